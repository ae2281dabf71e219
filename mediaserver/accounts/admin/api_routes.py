"""The admin's JSON API for users (/api/v1/users) and API keys (/api/v1/api-keys)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts.admin.inputs import create_key_from_input, new_user_fields
from mediaserver.accounts.admin.policy import change_user, remove_user
from mediaserver.accounts.api_keys import ApiKey, list_api_keys, revoke_api_key
from mediaserver.accounts.api_models import (
    ApiKeyCreateBody,
    ApiKeyCreatedOut,
    ApiKeyListOut,
    ApiKeyOut,
    UserCreateBody,
    UserListOut,
    UserOut,
    UserUpdateBody,
)
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.users import create_user, get_user, list_users
from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.keys import db_key

routes = web.RouteTableDef()

PATCHABLE = frozenset(UserUpdateBody.model_fields)
# The answer that shows a new key must never be stored by a client cache or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _key_detail(key: ApiKey) -> dict[str, object]:
    """What the audit log keeps of a new key: never the secret, only its public prefix."""
    return {"key_id": key.id, "user": key.username, "prefix": key.prefix}


@routes.get("/api/v1/users", name="api_users")
@access("admin")
@api(response=UserListOut)
async def api_users(request: web.Request) -> web.Response:
    """Every user, by name."""
    users = await list_users(request.app[db_key])
    return json_model(UserListOut(users=[UserOut.of(u) for u in users]))


@routes.post("/api/v1/users", name="api_user_create")
@access("admin")
@api(body=UserCreateBody, response=UserOut, status=201)
async def api_user_create(request: web.Request) -> web.Response:
    """Create a user, with a first profile named after them."""
    fields = new_user_fields(await read_input(request))
    user = await create_user(request.app[db_key], fields.username, fields.password, fields.role)
    await audit_request(request, "user.create", f"user {user.username}", {"role": user.role})
    response = json_model(UserOut.of(user), status=201)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return response


@routes.get("/api/v1/users/{user_id}", name="api_user")
@access("admin")
@api(response=UserOut)
async def api_user(request: web.Request) -> web.Response:
    """One user."""
    user = await get_user(request.app[db_key], int_path(request, "user_id"))
    return json_model(UserOut.of(user))


@routes.patch("/api/v1/users/{user_id}", name="api_user_update")
@access("admin")
@api(body=UserUpdateBody, response=UserOut)
async def api_user_update(request: web.Request) -> web.Response:
    """Change a user's role, disabled flag or password.

    Disabling or a new password signs the user out everywhere. Admins cannot do any of these to
    their own account here, and the last enabled admin stays one.
    """
    db, user_id = request.app[db_key], int_path(request, "user_id")
    data = await read_input(request)
    unknown = sorted(set(data) - PATCHABLE)
    if unknown:
        # Refused rather than ignored: a client renaming a user must not get a silent 200.
        raise BadRequest(
            f"Only {', '.join(sorted(PATCHABLE))} can be changed; not: {', '.join(unknown)}.",
            field=unknown[0],
        )
    disabled = data.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        raise BadRequest("'disabled' must be true or false.", field="disabled")
    await change_user(
        db,
        current_user_id(request),
        user_id,
        role=text_field(data, "role", max_length=16) if "role" in data else None,
        disabled=disabled,
        password=text_field(data, "password", max_length=256) if "password" in data else None,
    )
    user = await get_user(db, user_id)
    changes = {k: "(secret)" if k == "password" else data[k] for k in sorted(set(data))}
    await audit_request(request, "user.update", f"user {user.username}", changes)
    return json_model(UserOut.of(user))


@routes.delete("/api/v1/users/{user_id}", name="api_user_delete")
@access("admin")
@api(response=None, status=204)
async def api_user_delete(request: web.Request) -> web.Response:
    """Delete a user with their profiles, sessions and API keys; not one's own account."""
    db, user_id = request.app[db_key], int_path(request, "user_id")
    user = await get_user(db, user_id)
    await remove_user(db, current_user_id(request), user_id)
    await audit_request(request, "user.delete", f"user {user.username}", {"user_id": user_id})
    return web.Response(status=204)


@routes.get("/api/v1/api-keys", name="api_api_keys")
@access("admin")
@api(response=ApiKeyListOut)
async def api_keys_list(request: web.Request) -> web.Response:
    """The API keys not revoked, newest first (their prefix only, never the key)."""
    keys = await list_api_keys(request.app[db_key])
    return json_model(ApiKeyListOut(api_keys=[ApiKeyOut.of(k) for k in keys]))


@routes.post("/api/v1/api-keys", name="api_api_key_create")
@access("admin")
@api(body=ApiKeyCreateBody, response=ApiKeyCreatedOut, status=201)
async def api_key_create(request: web.Request) -> web.Response:
    """Make an API key acting as a user; the full key is in this answer only."""
    made = await create_key_from_input(
        request.app[db_key], await read_input(request), current_user_id(request)
    )
    key = made.key
    await audit_request(request, "api_key.create", f"API key {key.name}", _key_detail(key))
    response = json_model(ApiKeyCreatedOut.of(made), status=201)
    response.headers.update(NO_STORE)
    return response


@routes.delete("/api/v1/api-keys/{key_id}", name="api_api_key_delete")
@access("admin")
@api(response=None, status=204)
async def api_key_delete(request: web.Request) -> web.Response:
    """Revoke an API key: it stops working at once."""
    key_id = int_path(request, "key_id")
    await revoke_api_key(request.app[db_key], key_id)
    await audit_request(request, "api_key.revoke", f"API key #{key_id}", {"key_id": key_id})
    return web.Response(status=204)
