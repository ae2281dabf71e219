"""Admin: people who can sign in. HTML pages under /admin/users, JSON under /api/v1/users."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.accounts import current_user_id
from mediaserver.accounts.users import ROLES, User, create_user, get_user, list_users
from mediaserver.admin.policy import change_user, remove_user
from mediaserver.errors import BadRequest, DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()

PATCHABLE = frozenset({"role", "disabled", "password"})
NOTICES = {
    "created": "User created. They can sign in now.",
    "role": "Role changed.",
    "disabled": "Account disabled; its devices were signed out.",
    "enabled": "Account enabled.",
    "password": "Password reset; the user's devices were signed out.",
    "deleted": "User deleted.",
}


def user_json(user: User) -> dict[str, Any]:
    return asdict(user)  # User holds no password hash


async def _users_page(
    request: web.Request,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    users = await list_users(request.app[db_key])
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "roles": ROLES,
            "error": error,
            "status": status,
            "values": values or {"username": "", "role": "user"},
            "notice": NOTICES.get(request.query.get("done", "")),
        },
        status=status,
    )


async def _edit_page(
    request: web.Request, user_id: int, *, error: str | None = None, status: int = 200
) -> web.Response:
    user = await get_user(request.app[db_key], user_id)
    return render(
        request,
        "admin/user_edit.html",
        {
            "user": user,
            "roles": ROLES,
            "error": error,
            "is_self": user.id == current_user_id(request),
            "notice": NOTICES.get(request.query.get("done", "")),
        },
        status=status,
    )


def _new_user_fields(data: dict[str, Any]) -> tuple[str, str, str]:
    return (
        text_field(data, "username", max_length=64),
        text_field(data, "password", max_length=256),
        text_field(data, "role", default="user", max_length=16),
    )


@routes.get("/admin/users", name="admin_users")
@access("admin")
async def users_page(request: web.Request) -> web.Response:
    return await _users_page(request)


@routes.post("/admin/users", name="admin_user_create")
@access("admin")
async def user_create(request: web.Request) -> web.StreamResponse:
    data = await read_input(request)
    username, password, role = _new_user_fields(data)
    try:
        await create_user(request.app[db_key], username, password, role)
    except DomainError as exc:
        return await _users_page(
            request,
            error=exc.detail,
            status=exc.status,
            values={"username": username, "role": role},
        )
    raise web.HTTPSeeOther("/admin/users?done=created")


@routes.get("/admin/users/{user_id}", name="admin_user")
@access("admin")
async def user_page(request: web.Request) -> web.Response:
    return await _edit_page(request, int_path(request, "user_id"))


@routes.post("/admin/users/{user_id}", name="admin_user_update")
@access("admin")
async def user_update(request: web.Request) -> web.StreamResponse:
    """One form per action on the edit page; `action` says which."""
    db, actor = request.app[db_key], current_user_id(request)
    user_id = int_path(request, "user_id")
    data = await read_input(request)
    action = text_field(data, "action", max_length=16)
    try:
        if action == "role":
            await change_user(db, actor, user_id, role=text_field(data, "role", max_length=16))
        elif action in ("disable", "enable"):
            await change_user(db, actor, user_id, disabled=action == "disable")
        elif action == "password":
            password = text_field(data, "password", max_length=256)
            if password != text_field(data, "password_confirm", max_length=256):
                raise BadRequest("The two passwords differ.", field="password_confirm")
            await change_user(db, actor, user_id, password=password)
        elif action == "delete":
            await remove_user(db, actor, user_id)
            raise web.HTTPSeeOther("/admin/users?done=deleted")
        else:
            raise BadRequest("Unknown action.", field="action")
    except DomainError as exc:
        return await _edit_page(request, user_id, error=exc.detail, status=exc.status)
    done = {"disable": "disabled", "enable": "enabled"}.get(action, action)
    raise web.HTTPSeeOther(f"/admin/users/{user_id}?done={done}")


# ----- JSON API -----


@routes.get("/api/v1/users", name="api_users")
@access("admin")
async def api_users(request: web.Request) -> web.Response:
    users = await list_users(request.app[db_key])
    return web.json_response({"users": [user_json(u) for u in users]})


@routes.post("/api/v1/users", name="api_user_create")
@access("admin")
async def api_user_create(request: web.Request) -> web.Response:
    username, password, role = _new_user_fields(await read_input(request))
    user = await create_user(request.app[db_key], username, password, role)
    return web.json_response(
        user_json(user), status=201, headers={"Location": f"/api/v1/users/{user.id}"}
    )


@routes.get("/api/v1/users/{user_id}", name="api_user")
@access("admin")
async def api_user(request: web.Request) -> web.Response:
    user = await get_user(request.app[db_key], int_path(request, "user_id"))
    return web.json_response(user_json(user))


@routes.patch("/api/v1/users/{user_id}", name="api_user_update")
@access("admin")
async def api_user_update(request: web.Request) -> web.Response:
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
    return web.json_response(user_json(await get_user(db, user_id)))


@routes.delete("/api/v1/users/{user_id}", name="api_user_delete")
@access("admin")
async def api_user_delete(request: web.Request) -> web.Response:
    await remove_user(request.app[db_key], current_user_id(request), int_path(request, "user_id"))
    return web.Response(status=204)
