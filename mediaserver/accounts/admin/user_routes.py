"""Admin pages for people who can sign in, under /admin/users (the JSON API is in api_routes)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts.admin.inputs import new_user_fields
from mediaserver.accounts.admin.policy import apply_form_action
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.limits import admin_limits, library_choices
from mediaserver.accounts.users import ROLES, create_user, get_user, list_users
from mediaserver.db.audit import audit_request
from mediaserver.errors import DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()

# Messages shown after a redirect, chosen by a fixed code so no request text is ever echoed.
NOTICES = {
    "created": "User created. They can sign in now.",
    "role": "Role changed.",
    "disabled": "Account disabled; its devices were signed out.",
    "enabled": "Account enabled.",
    "password": "Password reset; the user's devices were signed out.",
    "deleted": "User deleted.",
    "limits": "Limits saved. Plays already running ask again under the new limits.",
}
AUDIT_ACTIONS = {
    "role": "user.role",
    "disabled": "user.disable",
    "enabled": "user.enable",
    "password": "user.password_reset",
    "deleted": "user.delete",
    "limits": "user.limits",
}


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
    db = request.app[db_key]
    user = await get_user(db, user_id)
    limits = await admin_limits(db, user_id)
    return render(
        request,
        "admin/user_edit.html",
        {
            "user": user,
            "limits": limits,
            "libraries": await library_choices(db, limits),
            "roles": ROLES,
            "error": error,
            "is_self": user.id == current_user_id(request),
            "notice": NOTICES.get(request.query.get("done", "")),
        },
        status=status,
    )


@routes.get("/admin/users", name="admin_users")
@access("admin")
async def users_page(request: web.Request) -> web.Response:
    return await _users_page(request)


@routes.post("/admin/users", name="admin_user_create")
@access("admin")
async def user_create(request: web.Request) -> web.StreamResponse:
    fields = new_user_fields(await read_input(request))
    try:
        await create_user(request.app[db_key], fields.username, fields.password, fields.role)
    except DomainError as exc:
        return await _users_page(
            request,
            error=exc.detail,
            status=exc.status,
            values={"username": fields.username, "role": fields.role},
        )
    await audit_request(request, "user.create", f"user {fields.username}", {"role": fields.role})
    raise web.HTTPSeeOther("/admin/users?done=created")


@routes.get("/admin/users/{user_id}", name="admin_user")
@access("admin")
async def user_page(request: web.Request) -> web.Response:
    return await _edit_page(request, int_path(request, "user_id"))


@routes.post("/admin/users/{user_id}", name="admin_user_update")
@access("admin")
async def user_update(request: web.Request) -> web.StreamResponse:
    """One form per action on the edit page; `action` says which."""
    user_id = int_path(request, "user_id")
    data = await read_input(request)
    action = text_field(data, "action", max_length=16)
    before = await admin_limits(request.app[db_key], user_id)
    try:
        user = await get_user(request.app[db_key], user_id)
        done = await apply_form_action(
            request.app[db_key], current_user_id(request), user_id, action, data
        )
    except DomainError as exc:
        return await _edit_page(request, user_id, error=exc.detail, status=exc.status)
    detail = {"role": data.get("role")} if done == "role" else None
    if done == "limits":
        after = await admin_limits(request.app[db_key], user_id)
        detail = {"old": before.as_json(), "new": after.as_json()}
    await audit_request(request, AUDIT_ACTIONS[done], f"user {user.username}", detail)
    if done == "deleted":
        raise web.HTTPSeeOther("/admin/users?done=deleted")
    raise web.HTTPSeeOther(f"/admin/users/{user_id}?done={done}")
