"""Comment queries: a thread's pages (keyset, newest or by likes), replies, one comment, and
the writes that keep like and reply counts in step."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.schema import profiles
from mediaserver.db.social_comments_schema import comment_likes, comments
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import BadRequest
from mediaserver.social.comments.records import Comment, Sort, Thread, Viewer

c = comments.c


def _cursor(sort: Sort, raw: str | None) -> tuple[int, int] | None:
    """(likes, id) after which a page starts; a clear 400 for a cursor that is not ours."""
    if not raw:
        return None
    parts = raw.split(".")
    if (
        len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) < 12 for p in parts)
        or (sort == "new" and parts[0] != "0")
    ):  # fmt: skip
        raise BadRequest("'cursor' is not one this list gave out.", field="cursor")
    return int(parts[0]), int(parts[1])


def cursor_of(sort: Sort, comment: Comment) -> str:
    return f"{comment.like_count if sort == 'top' else 0}.{comment.id}"


def _shown(viewer: Viewer) -> sa.ColumnElement[bool]:
    """Rows the viewer sees: a deleted (or, for non-admins, hidden) comment only keeps its
    place when it has replies."""
    alive = (
        c.deleted_at.is_(None)
        if viewer.is_admin
        else sa.and_(c.deleted_at.is_(None), c.hidden_at.is_(None))
    )
    return sa.or_(alive, c.reply_count > 0)


def _select(viewer: Viewer) -> sa.Select:
    liked = (
        sa.select(comment_likes.c.comment_id)
        .where(comment_likes.c.comment_id == c.id,
               comment_likes.c.profile_id == viewer.profile.id)
        .exists()
    )  # fmt: skip
    return sa.select(comments, profiles.c.name, profiles.c.avatar, liked.label("liked")).join(
        profiles, profiles.c.id == c.profile_id
    )


def _record(row: sa.Row, viewer: Viewer, edit_until: float) -> Comment:
    deleted = row.deleted_at is not None
    hidden = row.hidden_at is not None
    blank = deleted or (hidden and not viewer.is_admin)
    mine = row.profile_id == viewer.profile.id
    return Comment(
        id=row.id,
        title_id=row.title_id,
        episode_id=row.episode_id,
        parent_id=row.parent_id,
        profile_id=row.profile_id,
        author="" if blank else row.name,
        avatar="" if blank else row.avatar,
        text="" if blank else row.text,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted=deleted,
        hidden=hidden,
        like_count=row.like_count,
        reply_count=row.reply_count,
        liked=bool(row.liked),
        mine=mine and not deleted,
        may_edit=mine and not blank and row.created_at >= edit_until,
    )


def _in_thread(thread: Thread) -> sa.ColumnElement[bool]:
    episode = (
        c.episode_id.is_(None) if thread.episode_id is None else (c.episode_id == thread.episode_id)
    )
    return sa.and_(c.title_id == thread.title_id, episode)


async def page(
    conn: AsyncConnection,
    thread: Thread,
    viewer: Viewer,
    sort: Sort,
    cursor: str | None,
    limit: int,
    edit_until: float,
) -> list[Comment]:
    """Up to `limit` top-level comments after the cursor, each with its replies."""
    after = _cursor(sort, cursor)
    query = _select(viewer).where(_in_thread(thread), c.parent_id.is_(None), _shown(viewer))
    if sort == "top":
        if after is not None:
            likes, last = after
            query = query.where(
                sa.or_(c.like_count < likes, sa.and_(c.like_count == likes, c.id < last))
            )
        query = query.order_by(c.like_count.desc(), c.id.desc())
    else:
        if after is not None:
            query = query.where(c.id < after[1])
        query = query.order_by(c.id.desc())
    rows = (await conn.execute(query.limit(limit))).all()
    tops = [_record(r, viewer, edit_until) for r in rows]
    replies = await replies_of(conn, [t.id for t in tops if t.reply_count], viewer, edit_until)
    for top in tops:
        top.replies.extend(r for r in replies if r.parent_id == top.id)
    return tops


async def replies_of(
    conn: AsyncConnection, parent_ids: list[int], viewer: Viewer, edit_until: float
) -> list[Comment]:
    """The shown replies of these comments, oldest first."""
    if not parent_ids:
        return []
    alive = (
        c.deleted_at.is_(None)
        if viewer.is_admin
        else sa.and_(c.deleted_at.is_(None), c.hidden_at.is_(None))
    )
    query = _select(viewer).where(c.parent_id.in_(parent_ids), alive).order_by(c.id)
    return [_record(r, viewer, edit_until) for r in (await conn.execute(query)).all()]


async def one(
    conn: AsyncConnection, comment_id: int, viewer: Viewer, edit_until: float
) -> Comment | None:
    row = (await conn.execute(_select(viewer).where(c.id == comment_id))).first()
    return None if row is None else _record(row, viewer, edit_until)


async def insert(
    conn: AsyncConnection,
    thread: Thread,
    viewer: Viewer,
    parent_id: int | None,
    text: str,
    now: float,
) -> int:
    values = {
        "title_id": thread.title_id,
        "episode_id": thread.episode_id,
        "parent_id": parent_id,
        "user_id": viewer.user_id,
        "profile_id": viewer.profile.id,
        "text": text,
        "created_at": now,
    }
    new_id = (await conn.execute(sa.insert(comments).values(values).returning(c.id))).scalar_one()
    if parent_id is not None:
        await conn.execute(
            sa.update(comments).where(c.id == parent_id).values(reply_count=c.reply_count + 1)
        )
    return new_id


async def recent_count(conn: AsyncConnection, profile_id: int, since: float) -> tuple[int, float]:
    """How many comments the profile posted since `since`, and when the first of them was."""
    query = sa.select(sa.func.count(), sa.func.min(c.created_at)).where(
        c.profile_id == profile_id, c.created_at >= since
    )
    count, first = (await conn.execute(query)).one()
    return int(count), float(first or since)


async def set_text(conn: AsyncConnection, comment_id: int, text: str, now: float) -> None:
    await conn.execute(
        sa.update(comments).where(c.id == comment_id).values(text=text, edited_at=now)
    )


async def soft_delete(conn: AsyncConnection, comment_id: int, now: float) -> None:
    """Empty it and mark it deleted; its replies stay, under a "deleted" placeholder."""
    row = (await conn.execute(
        sa.update(comments).where(c.id == comment_id, c.deleted_at.is_(None))
        .values(deleted_at=now, text="").returning(c.parent_id)
    )).first()  # fmt: skip
    if row is not None and row.parent_id is not None:
        fewer = sa.case((c.reply_count > 0, c.reply_count - 1), else_=0)
        await conn.execute(
            sa.update(comments).where(c.id == row.parent_id).values(reply_count=fewer)
        )


async def set_hidden(conn: AsyncConnection, comment_id: int, at: float | None) -> None:
    await conn.execute(sa.update(comments).where(c.id == comment_id).values(hidden_at=at))


async def like(conn: AsyncConnection, comment_id: int, profile_id: int, now: float) -> bool:
    """Like once: a second like changes nothing. True when this one counted."""
    stmt = (
        dialect_insert(conn, comment_likes)
        .values(comment_id=comment_id, profile_id=profile_id, created_at=now)
        .on_conflict_do_nothing()
    )
    if (await conn.execute(stmt)).rowcount != 1:
        return False
    await conn.execute(
        sa.update(comments).where(c.id == comment_id).values(like_count=c.like_count + 1)
    )
    return True


async def unlike(conn: AsyncConnection, comment_id: int, profile_id: int) -> bool:
    gone = await conn.execute(
        sa.delete(comment_likes).where(comment_likes.c.comment_id == comment_id,
                                       comment_likes.c.profile_id == profile_id)
    )  # fmt: skip
    if gone.rowcount != 1:
        return False
    await conn.execute(
        sa.update(comments).where(c.id == comment_id).values(like_count=c.like_count - 1)
    )
    return True
