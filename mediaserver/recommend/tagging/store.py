"""Queries of the tagging tables; rows become the frozen records of `records` here."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import titles
from mediaserver.db.tagging_schema import title_tag_analyses, title_tags
from mediaserver.recommend.tagging.records import (
    ReviewStatus,
    Source,
    TagStatus,
    TitleReview,
    TitleTag,
)
from mediaserver.recommend.tagging.vocabulary import Suggestion, kind_of

T, A = title_tags.c, title_tag_analyses.c


def _tag(row: sa.Row) -> TitleTag:
    return TitleTag(row.id, row.title_id, row.tag, row.kind, row.source, row.status, row.score)


async def save_analysis(
    conn: AsyncConnection,
    title_id: int,
    media_file_id: int | None,
    found: dict,
    suggestions: Sequence[tuple[Suggestion, Source]],
) -> None:
    """Keep this run's measures and replace the title's open suggestions with its own; tags
    an admin accepted, rejected or typed stay as they are."""
    now = time.time()
    await conn.execute(sa.delete(title_tag_analyses).where(A.title_id == title_id))
    await conn.execute(
        sa.insert(title_tag_analyses).values(
            title_id=title_id, media_file_id=media_file_id, analysed_at=now, **found
        )
    )
    await conn.execute(
        sa.delete(title_tags).where(
            T.title_id == title_id, T.status == "suggested", T.source != "admin"
        )
    )
    kept = set((await conn.execute(sa.select(T.tag).where(T.title_id == title_id))).scalars())
    rows, seen = [], set(kept)
    for suggestion, source in suggestions:
        if suggestion.tag in seen:
            continue
        seen.add(suggestion.tag)
        rows.append(
            {
                "title_id": title_id,
                "tag": suggestion.tag,
                "kind": suggestion.kind,
                "source": source,
                "status": "suggested",
                "score": suggestion.score,
                "created_at": now,
            }
        )
    if rows:
        await conn.execute(sa.insert(title_tags), rows)


def _title_query() -> sa.Select:
    """Titles (not removed) with their last analysis, if any."""
    return (
        sa.select(
            titles.c.id,
            titles.c.title,
            titles.c.year,
            titles.c.maturity_rating,
            A.features,
            A.source,
            A.summary,
            A.suggested_rating,
            A.note,
            A.seconds,
            A.analysed_at,
        )
        .select_from(titles.outerjoin(title_tag_analyses, A.title_id == titles.c.id))
        .where(titles.c.removed_at.is_(None))
    )


def _review_query(status: ReviewStatus) -> sa.Select:
    has = sa.select(T.id).where(T.title_id == titles.c.id)
    if status != "all":
        has = has.where(T.status == status)
    return _title_query().where(has.exists())


async def _tags_of(conn: AsyncConnection, title_ids: Iterable[int]) -> dict[int, list[TitleTag]]:
    ids = list(title_ids)
    out: dict[int, list[TitleTag]] = {i: [] for i in ids}
    if ids:
        query = (
            sa.select(title_tags).where(T.title_id.in_(ids)).order_by(T.kind, T.score.desc(), T.tag)
        )
        for row in await conn.execute(query):
            out[row.title_id].append(_tag(row))
    return out


def _review(row: sa.Row, tags: list[TitleTag]) -> TitleReview:
    return TitleReview(
        row.id,
        row.title,
        row.year,
        row.maturity_rating,
        tags,
        row.features or {},
        row.source,
        row.summary,
        row.suggested_rating,
        row.note,
        row.seconds,
        row.analysed_at,
    )


async def reviews(
    conn: AsyncConnection, status: ReviewStatus, offset: int, limit: int
) -> tuple[list[TitleReview], int]:
    """Titles with a tag in this status (most recently analysed first), and how many there are."""
    query = _review_query(status)
    total = (await conn.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar()
    page = (
        await conn.execute(
            query.order_by(A.analysed_at.desc().nulls_last(), titles.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    tags = await _tags_of(conn, [r.id for r in page])
    return [_review(r, tags[r.id]) for r in page], int(total or 0)


async def review_of(conn: AsyncConnection, title_id: int) -> TitleReview | None:
    """One title's tags and analysis (None when there is no such title)."""
    row = (await conn.execute(_title_query().where(titles.c.id == title_id))).first()
    if row is None:
        return None
    return _review(row, (await _tags_of(conn, [title_id]))[title_id])


async def set_status(conn: AsyncConnection, tag_ids: Sequence[int], status: TagStatus) -> int:
    """Accept, reject or reopen these tags; how many there were."""
    if not tag_ids:
        return 0
    result = await conn.execute(
        sa.update(title_tags)
        .where(T.id.in_(list(tag_ids)))
        .values(status=status, reviewed_at=time.time() if status != "suggested" else None)
    )
    return int(result.rowcount or 0)


async def set_title_status(
    conn: AsyncConnection, title_ids: Sequence[int], status: TagStatus
) -> int:
    """Accept or reject every open suggestion of these titles."""
    if not title_ids:
        return 0
    result = await conn.execute(
        sa.update(title_tags)
        .where(T.title_id.in_(list(title_ids)), T.status == "suggested")
        .values(status=status, reviewed_at=time.time())
    )
    return int(result.rowcount or 0)


async def one(conn: AsyncConnection, tag_id: int) -> TitleTag | None:
    row = (await conn.execute(sa.select(title_tags).where(T.id == tag_id))).first()
    return None if row is None else _tag(row)


async def rename(conn: AsyncConnection, tag: TitleTag, new: str) -> TitleTag:
    """An admin's edit: the tag becomes `new`, accepted, theirs. When the title already has
    `new`, the two become that one."""
    now = time.time()
    other = (
        await conn.execute(
            sa.select(T.id).where(T.title_id == tag.title_id, T.tag == new, T.id != tag.id)
        )
    ).scalar()
    if other is not None:
        await conn.execute(sa.delete(title_tags).where(T.id == tag.id))
        await set_status(conn, [other], "accepted")
        found = await one(conn, other)
        assert found is not None
        return found
    await conn.execute(
        sa.update(title_tags)
        .where(T.id == tag.id)
        .values(
            tag=new,
            kind=kind_of(new),
            source="admin",
            status="accepted",
            score=1.0,
            reviewed_at=now,
        )
    )
    found = await one(conn, tag.id)
    assert found is not None
    return found


async def add(conn: AsyncConnection, title_id: int, tag: str) -> TitleTag:
    """An admin's own tag on a title, accepted (an existing one of that name is accepted)."""
    existing = (
        await conn.execute(sa.select(T.id).where(T.title_id == title_id, T.tag == tag))
    ).scalar()
    if existing is None:
        now = time.time()
        existing = (
            await conn.execute(
                sa.insert(title_tags)
                .values(
                    title_id=title_id,
                    tag=tag,
                    kind=kind_of(tag),
                    source="admin",
                    status="accepted",
                    score=1.0,
                    created_at=now,
                    reviewed_at=now,
                )
                .returning(T.id)
            )
        ).scalar_one()
    else:
        await set_status(conn, [existing], "accepted")
    found = await one(conn, existing)
    assert found is not None
    return found


async def accepted(conn: AsyncConnection, title_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each title's accepted tags, by name; titles without any are left out."""
    ids = list(title_ids)
    out: dict[int, list[str]] = {}
    if ids:
        query = (
            sa.select(T.title_id, T.tag)
            .where(T.title_id.in_(ids), T.status == "accepted")
            .order_by(T.tag)
        )
        for title_id, tag in await conn.execute(query):
            out.setdefault(title_id, []).append(tag)
    return out


async def tag_counts(
    conn: AsyncConnection, visible: sa.ColumnElement[bool]
) -> list[tuple[str, str, int]]:
    """(tag, kind, titles) of accepted tags on titles matching `visible`, most used first."""
    query = (
        sa.select(T.tag, sa.func.min(T.kind), sa.func.count(sa.distinct(T.title_id)).label("n"))
        .join(titles, titles.c.id == T.title_id)
        .where(T.status == "accepted", visible)
        .group_by(T.tag)
        .order_by(sa.desc("n"), T.tag)
    )
    return [(r[0], r[1], int(r[2])) for r in await conn.execute(query)]


async def unanalysed_titles(conn: AsyncConnection, limit: int) -> list[int]:
    query = (
        sa.select(titles.c.id)
        .where(
            titles.c.removed_at.is_(None),
            ~sa.select(A.title_id).where(A.title_id == titles.c.id).exists(),
        )
        .order_by(titles.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
