"""Admin moderation: reported comments, hide or delete any comment, block a user from
commenting, and turn comments off per library or per title."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.catalog_schema import libraries, titles
from mediaserver.db.schema import users
from mediaserver.db.social_comments_schema import (
    comment_blocks,
    comment_reports,
    comments,
    comments_off,
)
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import NotFound
from mediaserver.keys import db_key
from mediaserver.social.comments import store
from mediaserver.social.comments.hub import CommentEvent
from mediaserver.social.comments.records import Comment, Reported, Viewer
from mediaserver.social.comments.relay import comments_relay_key


@dataclass(frozen=True, slots=True)
class LibrarySwitch:
    id: int
    name: str
    comments_on: bool


@dataclass(frozen=True, slots=True)
class BlockedUser:
    id: int
    username: str
    since: float


async def _comment(app: web.Application, admin: Viewer, comment_id: int) -> Comment:
    async with app[db_key].read() as conn:
        found = await store.one(conn, comment_id, admin, 0)
    if found is None:
        raise NotFound("No such comment.")
    return found


def _changed(app: web.Application, comment: Comment) -> None:
    event = CommentEvent("update", comment.id, comment.parent_id, comment.episode_id)
    app[comments_relay_key].publish(app[db_key], comment.title_id, event)


async def _resolve(conn: sa.ext.asyncio.AsyncConnection, comment_id: int, now: float) -> None:
    await conn.execute(
        sa.update(comment_reports)
        .where(comment_reports.c.comment_id == comment_id, comment_reports.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


async def moderate(app: web.Application, admin: Viewer, comment_id: int, action: str) -> Comment:
    """hide | unhide | delete | dismiss (the reports) one comment; the comment as it was."""
    found = await _comment(app, admin, comment_id)
    now = time.time()
    async with app[db_key].write() as conn:
        if action == "hide":
            await store.set_hidden(conn, comment_id, now)
        elif action == "unhide":
            await store.set_hidden(conn, comment_id, None)
        elif action == "delete":
            await store.soft_delete(conn, comment_id, now)
        await _resolve(conn, comment_id, now)
    _changed(app, found)
    return found


async def reported(app: web.Application, admin: Viewer, limit: int = 100) -> list[Reported]:
    """Comments with open reports, most recently reported first."""
    r = comment_reports.c
    open_reports = (
        sa.select(r.comment_id, sa.func.count().label("n"), sa.func.max(r.created_at).label("last"))
        .where(r.resolved_at.is_(None)).group_by(r.comment_id).subquery()
    )  # fmt: skip
    query = (
        sa.select(open_reports, comments.c.user_id, users.c.username, titles.c.title,
                  comment_blocks.c.user_id.label("blocked"))
        .join(comments, comments.c.id == open_reports.c.comment_id)
        .join(users, users.c.id == comments.c.user_id)
        .join(titles, titles.c.id == comments.c.title_id)
        .outerjoin(comment_blocks, comment_blocks.c.user_id == comments.c.user_id)
        .order_by(open_reports.c.last.desc()).limit(limit)
    )  # fmt: skip
    out: list[Reported] = []
    async with app[db_key].read() as conn:
        for row in (await conn.execute(query)).all():
            comment = await store.one(conn, row.comment_id, admin, 0)
            reasons = (await conn.execute(
                sa.select(r.reason).where(r.comment_id == row.comment_id, r.resolved_at.is_(None),
                                          r.reason != "").order_by(r.id).limit(5)
            )).scalars().all()  # fmt: skip
            if comment is not None:
                out.append(Reported(comment, row.title, row.user_id, row.username, row.n,
                                    list(reasons), row.last, row.blocked is not None))  # fmt: skip
    return out


async def set_blocked(app: web.Application, user_id: int, blocked: bool) -> str:
    """Block or unblock a user from commenting; their user name."""
    async with app[db_key].write() as conn:
        name = (await conn.execute(sa.select(users.c.username).where(users.c.id == user_id))
                ).scalar()  # fmt: skip
        if name is None:
            raise NotFound("No such user.")
        if blocked:
            stmt = dialect_insert(conn, comment_blocks).values(
                user_id=user_id, created_at=time.time()
            )
            await conn.execute(stmt.on_conflict_do_nothing())
        else:
            await conn.execute(sa.delete(comment_blocks).where(comment_blocks.c.user_id == user_id))
    return name


async def blocked_users(app: web.Application) -> list[BlockedUser]:
    query = (
        sa.select(users.c.id, users.c.username, comment_blocks.c.created_at)
        .join(users, users.c.id == comment_blocks.c.user_id)
        .order_by(users.c.username)
    )
    async with app[db_key].read() as conn:
        return [BlockedUser(*row) for row in (await conn.execute(query)).all()]


async def set_off(app: web.Application, *, library_id: int | None = None,
                  title_id: int | None = None, off: bool) -> str:  # fmt: skip
    """Turn comments off (or back on) for one library or one title; its name."""
    table, key = (libraries, library_id) if library_id is not None else (titles, title_id)
    column = comments_off.c.library_id if library_id is not None else comments_off.c.title_id
    name_col = libraries.c.name if table is libraries else titles.c.title
    async with app[db_key].write() as conn:
        name = (await conn.execute(sa.select(name_col).where(table.c.id == key))).scalar()
        if name is None:
            raise NotFound("No such library." if table is libraries else "No such title.")
        await conn.execute(sa.delete(comments_off).where(column == key))
        if off:
            await conn.execute(sa.insert(comments_off).values(
                library_id=library_id, title_id=title_id, created_at=time.time()
            ))  # fmt: skip
    return name


async def library_switches(app: web.Application) -> list[LibrarySwitch]:
    off = sa.select(comments_off.c.library_id).where(comments_off.c.library_id.is_not(None))
    query = sa.select(libraries.c.id, libraries.c.name, libraries.c.id.not_in(off)).order_by(
        libraries.c.name
    )
    async with app[db_key].read() as conn:
        return [LibrarySwitch(r[0], r[1], bool(r[2])) for r in (await conn.execute(query)).all()]


async def title_is_off(app: web.Application, title_id: int) -> bool:
    query = sa.select(comments_off.c.id).where(comments_off.c.title_id == title_id)
    async with app[db_key].read() as conn:
        return (await conn.execute(query)).first() is not None
