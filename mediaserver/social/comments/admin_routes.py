"""Admin moderation: /admin/comments lists reported comments (hide, delete, dismiss, block the
author), the libraries with their comment switch and the blocked users; a title's switch sits
in its comment section. JSON under /api/v1/admin/comments. Every action is in the audit log."""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input, read_json
from mediaserver.http.templating import render
from mediaserver.keys import config_key
from mediaserver.social.comments import moderation
from mediaserver.social.comments.api_models import (
    BlockBody,
    CommentEnvelope,
    CommentOut,
    ModerateBody,
    SwitchBody,
)
from mediaserver.social.comments.routes import FRAGMENT_HEADER, path_id, viewer_of

routes = web.RouteTableDef()
ACTIONS = ("hide", "unhide", "delete", "dismiss")


async def _moderate(request: web.Request, action: str) -> CommentOut:
    comment_id = path_id(request, "comment_id")
    found = await moderation.moderate(request.app, viewer_of(request), comment_id, action)
    await audit_request(request, f"comment.{action}", f"comment {comment_id}",
                        {"author": found.author, "text": found.text[:200]})  # fmt: skip
    return CommentOut.of(found)


async def _switch(request: web.Request, kind: str, on: bool) -> str:
    key = path_id(request, "subject_id")
    name = await moderation.set_off(request.app, off=not on, **{f"{kind}_id": key})
    await audit_request(request, f"comments.{'on' if on else 'off'}", f"{kind} {key} {name}")
    return name


async def _block(request: web.Request, blocked: bool) -> str:
    user_id = path_id(request, "user_id")
    name = await moderation.set_blocked(request.app, user_id, blocked)
    await audit_request(request, "comments.block" if blocked else "comments.unblock",
                        f"user {user_id} {name}")  # fmt: skip
    return name


@routes.get("/admin/comments", name="admin_comments")
@access("admin")
async def admin_comments(request: web.Request) -> web.Response:
    context = {
        "reported": await moderation.reported(request.app, viewer_of(request)),
        "libraries": await moderation.library_switches(request.app),
        "blocked": await moderation.blocked_users(request.app),
        "active_page": "comments",
        "settings_comments": request.app[config_key].social.comments,
        "done": request.query.get("done", "")[:40],
    }
    return render(request, "social/admin_comments.html", context)


@routes.post(r"/admin/comments/{comment_id:\d+}/{action:hide|unhide|delete|dismiss}",
             name="admin_comment_action")  # fmt: skip
@access("admin")
async def admin_comment_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    await _moderate(request, action)
    if request.headers.get(FRAGMENT_HEADER):
        return web.Response(status=204)
    back = (await read_input(request)).get("next")
    raise web.HTTPSeeOther(
        back
        if isinstance(back, str) and back.startswith("/") and not back.startswith("//")
        else f"/admin/comments?done={action}"
    )


@routes.post(r"/admin/comments/{kind:library|title}/{subject_id:\d+}/{state:on|off}",
             name="admin_comments_switch")  # fmt: skip
@access("admin")
async def admin_switch(request: web.Request) -> web.Response:
    kind, on = request.match_info["kind"], request.match_info["state"] == "on"
    await _switch(request, kind, on)
    if kind == "title":
        raise web.HTTPSeeOther(f"/titles/{path_id(request, 'subject_id')}#comments")
    raise web.HTTPSeeOther("/admin/comments?done=switch")


@routes.post(r"/admin/comments/users/{user_id:\d+}/{state:block|unblock}",
             name="admin_comments_block")  # fmt: skip
@access("admin")
async def admin_block(request: web.Request) -> web.Response:
    await _block(request, request.match_info["state"] == "block")
    raise web.HTTPSeeOther("/admin/comments?done=block")


@routes.post(r"/api/v1/admin/comments/{comment_id:\d+}", name="api_admin_comment")
@access("admin")
@api(body=ModerateBody, response=CommentEnvelope)
async def api_moderate(request: web.Request) -> web.Response:
    """Hide, unhide or delete any comment, or dismiss its reports; the comment as it was."""
    body = parse_model(ModerateBody, await read_json(request))
    return json_model(CommentEnvelope(comment=await _moderate(request, body.action)))


@routes.put(r"/api/v1/admin/comments/{kind:library|title}/{subject_id:\d+}",
            name="api_admin_comments_switch")  # fmt: skip
@access("admin")
@api(body=SwitchBody, response=SwitchBody)
async def api_switch(request: web.Request) -> web.Response:
    """Turn comments on or off for one library or one title."""
    body = parse_model(SwitchBody, await read_json(request))
    await _switch(request, request.match_info["kind"], body.comments)
    return json_model(body)


@routes.put(r"/api/v1/admin/comments/users/{user_id:\d+}", name="api_admin_comments_block")
@access("admin")
@api(body=BlockBody, response=BlockBody)
async def api_block(request: web.Request) -> web.Response:
    """Block a user from commenting (or lift the block)."""
    body = parse_model(BlockBody, await read_json(request))
    await _block(request, body.blocked)
    return json_model(body)
