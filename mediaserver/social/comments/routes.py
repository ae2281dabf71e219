"""Comment pages: a title's (or episode's) comment section loaded into the title page, one
comment's fragment, the live stream of changes, and the forms (which work without JavaScript:
they answer with a redirect back, or with the changed comment's fragment to comments.js)."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from mediaserver.accounts import get_identity, request_profile
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input
from mediaserver.http.templating import render
from mediaserver.social.comments import service
from mediaserver.social.comments.hub import hub_key
from mediaserver.social.comments.records import Comment, Sort, Thread, Viewer

routes = web.RouteTableDef()
FRAGMENT_HEADER = "X-Comment-Fragment"
KEEPALIVE_SECONDS = 20.0


def viewer_of(request: web.Request) -> Viewer:
    user = get_identity(request).user
    return Viewer(request_profile(request), bool(user and user.is_admin))


def id_value(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadRequest(f"'{name}' must be an id.", field=name)
    return int(raw)


def path_id(request: web.Request, name: str) -> int:
    value = id_value(request.match_info[name], name)
    assert value is not None  # the route pattern only matches digits
    return value


def sort_of(raw: str | None) -> Sort:
    return "top" if raw == "top" else "new"


async def thread_for(request: web.Request, episode: str | None) -> Thread:
    title_id = path_id(request, "title_id")
    episode_id = id_value(episode, "episode")
    return await service.open_thread(request.app, viewer_of(request), title_id, episode_id)


async def fragment(request: web.Request, thread: Thread, comment: Comment) -> web.Response:
    viewer = viewer_of(request)
    may_write = await service.writable(request.app, viewer, thread)
    context = {"c": comment, "thread": thread, "viewer": viewer, "may_write": may_write}
    return render(request, "social/_comments_item.html", context)


async def comment_answer(request: web.Request, thread: Thread, comment: Comment) -> web.Response:
    """The comment's fragment for comments.js, or a redirect back to it for a plain form."""
    if request.headers.get(FRAGMENT_HEADER):
        return await fragment(request, thread, comment)
    anchor = f"#comment-{comment.id}"
    raise web.HTTPSeeOther(f"/titles/{thread.title_id}{thread.query}{anchor}")


@routes.get(r"/titles/{title_id:\d+}/comments", name="comments_section")
@access("profile")
async def comments_section(request: web.Request) -> web.Response:
    """The comment section (or, with a cursor, the next page of it)."""
    thread = await thread_for(request, request.query.get("episode"))
    cursor = request.query.get("cursor")
    found = await service.section(
        request.app, viewer_of(request), thread, sort_of(request.query.get("sort")), cursor
    )
    template = "social/_comments_page.html" if cursor else "social/_comments.html"
    context = {"s": found, "thread": thread, "viewer": viewer_of(request),
               "may_write": found.enabled and not found.blocked}  # fmt: skip
    return render(request, template, context)


@routes.get(r"/comments/{comment_id:\d+}", name="comment_fragment")
@access("profile")
async def comment_fragment(request: web.Request) -> web.Response:
    """One comment as this viewer sees it (what the live stream makes pages fetch)."""
    thread, comment = await service.find(
        request.app, viewer_of(request), path_id(request, "comment_id")
    )
    gone = comment.deleted or (comment.hidden and not viewer_of(request).is_admin)
    if gone and not comment.reply_count:
        raise NotFound("The comment was deleted or hidden.")
    return await fragment(request, thread, comment)


@routes.get(r"/titles/{title_id:\d+}/comments/events", name="comments_events")
@access("profile")
async def comments_events(request: web.Request) -> web.StreamResponse:
    """text/event-stream of the title's comment changes: `comment` events, JSON data."""
    thread = await thread_for(request, None)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }  # fmt: skip
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    async with request.app[hub_key].subscribe(thread.title_id) as queue:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event is None:  # the server is shutting down
                break
            data = json.dumps(event.as_dict())
            await response.write(f"event: comment\ndata: {data}\n\n".encode())
    return response


@routes.post(r"/titles/{title_id:\d+}/comments", name="comment_post")
@access("profile")
async def post_comment(request: web.Request) -> web.Response:
    data = await read_input(request)
    thread = await thread_for(request, str(data.get("episode") or "") or None)
    parent = id_value(str(data.get("parent_id") or ""), "parent_id")
    comment = await service.create(request.app, viewer_of(request), thread, data.get("text"),
                                   parent)  # fmt: skip
    return await comment_answer(request, thread, comment)


@routes.post(r"/comments/{comment_id:\d+}/{action:edit|delete|like|unlike|report}",
             name="comment_action")  # fmt: skip
@access("profile")
async def comment_action(request: web.Request) -> web.Response:
    """The buttons under a comment: edit, delete, like, unlike, report."""
    data = await read_input(request)
    viewer, comment_id = viewer_of(request), path_id(request, "comment_id")
    action = request.match_info["action"]
    if action == "edit":
        await service.edit(request.app, viewer, comment_id, data.get("text"))
    elif action == "delete":
        await service.delete(request.app, viewer, comment_id)
    elif action == "report":
        await service.report(request.app, viewer, comment_id, str(data.get("reason") or ""))
    else:
        await service.set_like(request.app, viewer, comment_id, action == "like")
    thread, comment = await service.find(request.app, viewer, comment_id)
    return await comment_answer(request, thread, comment)
