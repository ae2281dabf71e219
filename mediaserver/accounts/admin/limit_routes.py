"""The admin's JSON API for a user's limits: GET and PUT /api/v1/users/{user_id}/limits (the
user's page sets them with a form, through admin/policy.py)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts.admin.limit_models import UserLimitsBody, UserLimitsOut
from mediaserver.accounts.limits import admin_limits, set_limits
from mediaserver.accounts.users import get_user
from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/api/v1/users/{user_id}/limits", name="api_user_limits")
@access("admin")
@api(response=UserLimitsOut)
async def api_user_limits(request: web.Request) -> web.Response:
    """The limits an admin set on a user: libraries, highest quality, streams, downloads."""
    db, user_id = request.app[db_key], int_path(request, "user_id")
    await get_user(db, user_id)  # 404 for no such user
    return json_model(UserLimitsOut.of(user_id, await admin_limits(db, user_id)))


@routes.put("/api/v1/users/{user_id}/limits", name="api_user_limits_put")
@access("admin")
@api(body=UserLimitsBody, response=UserLimitsOut)
async def api_user_limits_put(request: web.Request) -> web.Response:
    """Set every limit of a user at once.

    The media URLs handed out to the user before stop working; their players ask again."""
    db, user_id = request.app[db_key], int_path(request, "user_id")
    body = parse_model(UserLimitsBody, await read_input(request))
    if body.library_ids == []:
        raise BadRequest("Name at least one library, or null for all.", field="library_ids")
    user = await get_user(db, user_id)
    before = await admin_limits(db, user_id)
    await set_limits(db, user_id, body.limits())
    after = await admin_limits(db, user_id)
    detail = {"old": before.as_json(), "new": after.as_json()}
    await audit_request(request, "user.limits", f"user {user.username}", detail)
    return json_model(UserLimitsOut.of(user_id, after))
