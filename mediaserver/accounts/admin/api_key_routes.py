"""Admin pages for API keys, under /admin/api-keys (the JSON API is in api_routes). The full key
is shown once, right after it is made."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts.admin.inputs import create_key_from_input
from mediaserver.accounts.api_keys import ApiKey, list_api_keys, revoke_api_key
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.users import list_users
from mediaserver.db.audit import audit_request
from mediaserver.errors import DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()

# The page that shows a new key must never be stored by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


async def _keys_page(
    request: web.Request,
    *,
    secret: str | None = None,
    new_key: ApiKey | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> web.Response:
    db = request.app[db_key]
    keys, users = await list_api_keys(db), await list_users(db)
    # Least privilege first: accounts that are not administrators lead the list, and one of them
    # is the default; with none, the admin must choose (no account is preselected).
    enabled = sorted((u for u in users if not u.disabled), key=lambda u: u.role == "admin")
    plain = [u for u in enabled if u.role != "admin"]
    default = {"name": "", "user_id": plain[0].id if plain else ""}
    return render(
        request,
        "admin/api_keys.html",
        {
            "keys": keys,
            "users": enabled,
            "secret": secret,
            "new_key": new_key,
            "error": error,
            "values": values or default,
            "revoked": request.query.get("done") == "revoked",
        },
        status=status,
        headers=NO_STORE,
    )


@routes.get("/admin/api-keys", name="admin_api_keys")
@access("admin")
async def keys_page(request: web.Request) -> web.Response:
    return await _keys_page(request)


@routes.post("/admin/api-keys", name="admin_api_key_create")
@access("admin")
async def key_create(request: web.Request) -> web.Response:
    data = await read_input(request)
    try:
        made = await create_key_from_input(request.app[db_key], data, current_user_id(request))
    except DomainError as exc:
        typed = {"name": data.get("name", ""), "user_id": str(data.get("user_id", ""))}
        return await _keys_page(request, error=exc.detail, values=typed, status=exc.status)
    key = made.key
    detail = {"key_id": key.id, "user": key.username, "prefix": key.prefix}  # never the secret
    await audit_request(request, "api_key.create", f"API key {key.name}", detail)
    # Rendered directly, not redirected: the secret must not travel in a URL or be re-shown.
    return await _keys_page(request, secret=made.secret, new_key=made.key, status=201)


@routes.post("/admin/api-keys/{key_id}/revoke", name="admin_api_key_revoke")
@access("admin")
async def key_revoke(request: web.Request) -> web.StreamResponse:
    key_id = int_path(request, "key_id")
    await revoke_api_key(request.app[db_key], key_id)
    await audit_request(request, "api_key.revoke", f"API key #{key_id}", {"key_id": key_id})
    raise web.HTTPSeeOther("/admin/api-keys?done=revoked")
