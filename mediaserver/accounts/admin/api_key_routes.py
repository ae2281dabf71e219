"""Admin: API keys for other clients. The full key is shown once, right after it is made."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.accounts import current_user_id
from mediaserver.accounts.api_keys import ApiKey, create_api_key, list_api_keys, revoke_api_key
from mediaserver.accounts.users import list_users
from mediaserver.errors import BadRequest, DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()

# The page that shows a new key must never be stored by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def api_key_json(key: ApiKey) -> dict[str, Any]:
    return asdict(key)  # prefix only; the hash never leaves the database


def _user_id_field(data: dict[str, Any]) -> int:
    value = data.get("user_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 18:
        return int(value)
    raise BadRequest("Choose the user this key acts as.", field="user_id")


async def _create(request: web.Request, data: dict[str, Any]) -> tuple[str, ApiKey]:
    name = text_field(data, "name", max_length=200)
    user_id = _user_id_field(data)
    return await create_api_key(request.app[db_key], user_id, name, current_user_id(request))


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
    return render(
        request,
        "admin/api_keys.html",
        {
            "keys": keys,
            "users": [u for u in users if not u.disabled],
            "secret": secret,
            "new_key": new_key,
            "error": error,
            "values": values or {"name": "", "user_id": current_user_id(request)},
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
        secret, key = await _create(request, data)
    except DomainError as exc:
        typed = {"name": data.get("name", ""), "user_id": str(data.get("user_id", ""))}
        return await _keys_page(request, error=exc.detail, values=typed, status=exc.status)
    # Rendered directly, not redirected: the secret must not travel in a URL or be re-shown.
    return await _keys_page(request, secret=secret, new_key=key, status=201)


@routes.post("/admin/api-keys/{key_id}/revoke", name="admin_api_key_revoke")
@access("admin")
async def key_revoke(request: web.Request) -> web.StreamResponse:
    await revoke_api_key(request.app[db_key], int_path(request, "key_id"))
    raise web.HTTPSeeOther("/admin/api-keys?done=revoked")


# ----- JSON API -----


@routes.get("/api/v1/api-keys", name="api_api_keys")
@access("admin")
async def api_keys_list(request: web.Request) -> web.Response:
    keys = await list_api_keys(request.app[db_key])
    return web.json_response({"api_keys": [api_key_json(k) for k in keys]})


@routes.post("/api/v1/api-keys", name="api_api_key_create")
@access("admin")
async def api_key_create(request: web.Request) -> web.Response:
    secret, key = await _create(request, await read_input(request))
    return web.json_response(
        {"key": secret, "api_key": api_key_json(key)}, status=201, headers=NO_STORE
    )


@routes.delete("/api/v1/api-keys/{key_id}", name="api_api_key_delete")
@access("admin")
async def api_key_delete(request: web.Request) -> web.Response:
    await revoke_api_key(request.app[db_key], int_path(request, "key_id"))
    return web.Response(status=204)
