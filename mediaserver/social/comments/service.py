"""What a profile does with comments: read a thread, post, reply, edit, delete, like, report.

Every call by comment id first checks that the comment's title is one the profile sees, and
answers 404 otherwise (or when the comment is not the caller's to change): nothing changes and
nothing is told.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.social_comments_schema import comment_reports
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import Forbidden, NotFound, TooManyRequests
from mediaserver.keys import config_key, db_key
from mediaserver.social.comments import access, store
from mediaserver.social.comments.hub import CommentEvent
from mediaserver.social.comments.records import Comment, Page, Sort, Thread, Viewer
from mediaserver.social.comments.relay import comments_relay_key
from mediaserver.social.comments.text import clean_text

PAGE_SIZE = 20
NO_COMMENT = "No such comment."
OFF = "Comments are turned off here."
BLOCKED = "An admin has blocked this account from commenting."


@dataclass(frozen=True, slots=True)
class Section:
    """A thread's first (or next) page and what the viewer may do there."""

    thread: Thread
    page: Page
    sort: Sort
    enabled: bool
    blocked: bool


def _edit_until(app: web.Application, now: float) -> float:
    """Comments created at or after this moment may still be edited."""
    return now - app[config_key].social.edit_minutes * 60


async def _enabled(conn: AsyncConnection, app: web.Application, thread: Thread) -> bool:
    return app[config_key].social.comments and await access.comments_allowed(conn, thread)


async def open_thread(
    app: web.Application, viewer: Viewer, title_id: int, episode_id: int | None
) -> Thread:
    async with app[db_key].read() as conn:
        return await access.thread_of(conn, viewer.profile, title_id, episode_id)


async def section(
    app: web.Application,
    viewer: Viewer,
    thread: Thread,
    sort: Sort,
    cursor: str | None,
    limit: int = PAGE_SIZE,
) -> Section:
    now = time.time()
    async with app[db_key].read() as conn:
        enabled = await _enabled(conn, app, thread)
        blocked = await access.is_blocked(conn, viewer.user_id)
        tops = await store.page(conn, thread, viewer, sort, cursor, limit + 1,
                                _edit_until(app, now))  # fmt: skip
    more = len(tops) > limit
    tops = tops[:limit]
    cursor_next = store.cursor_of(sort, tops[-1]) if more else None
    return Section(thread, Page(tops, cursor_next), sort, enabled, blocked)


async def writable(app: web.Application, viewer: Viewer, thread: Thread) -> bool:
    """Whether the viewer may post, reply, edit and like here now."""
    async with app[db_key].read() as conn:
        return await _enabled(conn, app, thread) and not await access.is_blocked(
            conn, viewer.user_id
        )


async def find(app: web.Application, viewer: Viewer, comment_id: int) -> tuple[Thread, Comment]:
    """The comment and its thread, when the viewer may see both; NotFound otherwise."""
    async with app[db_key].read() as conn:
        found = await store.one(conn, comment_id, viewer, _edit_until(app, time.time()))
        if found is None:
            raise NotFound(NO_COMMENT)
        try:
            thread = await access.thread_of(conn, viewer.profile, found.title_id,
                                            found.episode_id)  # fmt: skip
        except NotFound:
            raise NotFound(NO_COMMENT) from None
        if found.parent_id is None and found.reply_count:
            found.replies.extend(
                await store.replies_of(conn, [found.id], viewer, _edit_until(app, time.time()))
            )
    return thread, found


async def _may_write(conn: AsyncConnection, app: web.Application, viewer: Viewer,
                     thread: Thread) -> None:  # fmt: skip
    if not await _enabled(conn, app, thread):
        raise Forbidden(OFF)
    if await access.is_blocked(conn, viewer.user_id):
        raise Forbidden(BLOCKED)


def _publish(app: web.Application, comment: Comment, kind: str) -> None:
    event = CommentEvent("new" if kind == "new" else "update", comment.id, comment.parent_id,
                         comment.episode_id)  # fmt: skip
    app[comments_relay_key].publish(app[db_key], comment.title_id, event)


async def create(
    app: web.Application,
    viewer: Viewer,
    thread: Thread,
    raw_text: object,
    parent_id: int | None = None,
) -> Comment:
    """Post a comment, or a reply (a reply to a reply joins its top-level comment)."""
    text = clean_text(raw_text)
    now = time.time()
    per_minute = app[config_key].social.comments_per_minute
    async with app[db_key].write() as conn:
        await _may_write(conn, app, viewer, thread)
        count, first = await store.recent_count(conn, viewer.profile.id, now - 60)
        if count >= per_minute:
            wait = max(1, math.ceil(first + 60 - now))
            raise TooManyRequests(
                f"At most {per_minute} comments a minute; try again in {wait} s.",
                retry_after=wait,
            )
        if parent_id is not None:
            parent = await store.one(conn, parent_id, viewer, 0)
            if (
                parent is None
                or (parent.title_id, parent.episode_id) != (thread.title_id, thread.episode_id)
                or parent.deleted
                or (parent.hidden and not viewer.is_admin)
            ):
                raise NotFound("No such comment to reply to.")
            parent_id = parent.parent_id or parent.id
        new_id = await store.insert(conn, thread, viewer, parent_id, text, now)
    _, comment = await find(app, viewer, new_id)
    _publish(app, comment, "new")
    return comment


async def _own(app: web.Application, viewer: Viewer, comment_id: int) -> tuple[Thread, Comment]:
    thread, found = await find(app, viewer, comment_id)
    if not found.mine or found.deleted:
        raise NotFound(NO_COMMENT)
    return thread, found


async def edit(app: web.Application, viewer: Viewer, comment_id: int, raw_text: object) -> Comment:
    text = clean_text(raw_text)
    thread, found = await _own(app, viewer, comment_id)
    if not found.may_edit:
        minutes = app[config_key].social.edit_minutes
        raise Forbidden(f"A comment can only be edited in its first {minutes:g} minutes.")
    async with app[db_key].write() as conn:
        await _may_write(conn, app, viewer, thread)
        await store.set_text(conn, comment_id, text, time.time())
    _, comment = await find(app, viewer, comment_id)
    _publish(app, comment, "update")
    return comment


async def delete(app: web.Application, viewer: Viewer, comment_id: int) -> None:
    """Delete my own comment (at any time); its replies stay."""
    _, found = await _own(app, viewer, comment_id)
    async with app[db_key].write() as conn:
        await store.soft_delete(conn, comment_id, time.time())
    _publish(app, found, "update")


async def set_like(app: web.Application, viewer: Viewer, comment_id: int, on: bool) -> Comment:
    """Like (once per profile; again changes nothing) or take the like back."""
    thread, found = await find(app, viewer, comment_id)
    if found.deleted or (found.hidden and not viewer.is_admin):
        raise NotFound(NO_COMMENT)
    async with app[db_key].write() as conn:
        await _may_write(conn, app, viewer, thread)
        if on:
            changed = await store.like(conn, comment_id, viewer.profile.id, time.time())
        else:
            changed = await store.unlike(conn, comment_id, viewer.profile.id)
    _, comment = await find(app, viewer, comment_id)
    if changed:
        _publish(app, comment, "update")
    return comment


async def report(app: web.Application, viewer: Viewer, comment_id: int, reason: str) -> None:
    """Report a comment to the admins (again from the same profile changes nothing)."""
    _, found = await find(app, viewer, comment_id)
    if found.deleted:
        raise NotFound(NO_COMMENT)
    values = {"comment_id": comment_id, "profile_id": viewer.profile.id,
              "reason": reason.strip()[:500], "created_at": time.time()}  # fmt: skip
    async with app[db_key].write() as conn:
        stmt = dialect_insert(conn, comment_reports).values(values)
        await conn.execute(stmt.on_conflict_do_nothing())
