"""The comments JSON API: list a thread (cursor paging), post, edit, delete, like, report."""

from __future__ import annotations

from aiohttp import web

from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_json
from mediaserver.social.comments import service
from mediaserver.social.comments.api_models import (
    CommentEnvelope,
    CommentListOut,
    CommentOut,
    CreateCommentBody,
    EditCommentBody,
    ReportBody,
)
from mediaserver.social.comments.routes import id_value, path_id, sort_of, viewer_of

routes = web.RouteTableDef()


@routes.get(r"/api/v1/titles/{title_id:\d+}/comments", name="api_comments")
@access("profile")
@api(response=CommentListOut)
async def api_comments(request: web.Request) -> web.Response:
    """A page of a title's (or, with `episode_id`, an episode's) top-level comments with their
    replies; `sort` is new (default) or top; `cursor` continues from a previous page."""
    viewer = viewer_of(request)
    thread = await service.open_thread(
        request.app,
        viewer,
        path_id(request, "title_id"),
        id_value(request.query.get("episode_id"), "episode_id"),
    )
    found = await service.section(
        request.app,
        viewer,
        thread,
        sort_of(request.query.get("sort")),
        request.query.get("cursor"),
    )
    return json_model(CommentListOut(
        comments=[CommentOut.of(c) for c in found.page.comments],
        next_cursor=found.page.next_cursor, enabled=found.enabled and not found.blocked,
    ))  # fmt: skip


@routes.post(r"/api/v1/titles/{title_id:\d+}/comments", name="api_comment_create")
@access("profile")
@api(body=CreateCommentBody, response=CommentEnvelope, status=201)
async def api_create(request: web.Request) -> web.Response:
    """Post a comment or a reply (at most `comments_per_minute` a minute: 429 beyond)."""
    body = parse_model(CreateCommentBody, await read_json(request))
    viewer = viewer_of(request)
    thread = await service.open_thread(
        request.app, viewer, path_id(request, "title_id"), body.episode_id
    )
    comment = await service.create(request.app, viewer, thread, body.text, body.parent_id)
    return json_model(CommentEnvelope(comment=CommentOut.of(comment)), status=201)


@routes.get(r"/api/v1/comments/{comment_id:\d+}", name="api_comment")
@access("profile")
@api(response=CommentEnvelope)
async def api_comment(request: web.Request) -> web.Response:
    """One comment (with its replies, for a top-level one)."""
    _, comment = await service.find(request.app, viewer_of(request), path_id(request, "comment_id"))
    return json_model(CommentEnvelope(comment=CommentOut.of(comment)))


@routes.patch(r"/api/v1/comments/{comment_id:\d+}", name="api_comment_edit")
@access("profile")
@api(body=EditCommentBody, response=CommentEnvelope)
async def api_edit(request: web.Request) -> web.Response:
    """Edit my own comment, within `edit_minutes` of posting it."""
    body = parse_model(EditCommentBody, await read_json(request))
    comment = await service.edit(
        request.app, viewer_of(request), path_id(request, "comment_id"), body.text
    )
    return json_model(CommentEnvelope(comment=CommentOut.of(comment)))


@routes.delete(r"/api/v1/comments/{comment_id:\d+}", name="api_comment_delete")
@access("profile")
@api(response=None, status=204)
async def api_delete(request: web.Request) -> web.Response:
    """Delete my own comment; its replies stay under a "deleted" placeholder."""
    await service.delete(request.app, viewer_of(request), path_id(request, "comment_id"))
    return web.Response(status=204)


@routes.put(r"/api/v1/comments/{comment_id:\d+}/like", name="api_comment_like")
@access("profile")
@api(response=CommentEnvelope)
async def api_like(request: web.Request) -> web.Response:
    """Like a comment (once per profile: liking again changes nothing)."""
    comment = await service.set_like(
        request.app, viewer_of(request), path_id(request, "comment_id"), True
    )
    return json_model(CommentEnvelope(comment=CommentOut.of(comment)))


@routes.delete(r"/api/v1/comments/{comment_id:\d+}/like", name="api_comment_unlike")
@access("profile")
@api(response=CommentEnvelope)
async def api_unlike(request: web.Request) -> web.Response:
    """Take back my like of a comment."""
    comment = await service.set_like(
        request.app, viewer_of(request), path_id(request, "comment_id"), False
    )
    return json_model(CommentEnvelope(comment=CommentOut.of(comment)))


@routes.post(r"/api/v1/comments/{comment_id:\d+}/report", name="api_comment_report")
@access("profile")
@api(body=ReportBody, response=None, status=204)
async def api_report(request: web.Request) -> web.Response:
    """Report a comment to the admins."""
    body = parse_model(ReportBody, await read_json(request))
    await service.report(request.app, viewer_of(request), path_id(request, "comment_id"),
                         body.reason)  # fmt: skip
    return web.Response(status=204)
