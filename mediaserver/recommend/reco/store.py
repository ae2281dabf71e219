"""Queries of the recommendation tables: writing a training run's lists, reading them back by
key (what serving a row costs), "not interested" and onboarding likes."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.recommend_schema import (
    reco_liked,
    reco_not_interested,
    reco_picks,
    reco_runs,
    reco_similar,
    reco_trending,
)
from mediaserver.recommend.reco.compute import Precomputed

BATCH = 2000


@dataclass(frozen=True, slots=True)
class Ranked:
    title_id: int
    because_id: int | None = None
    because_name: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    finished_at: float
    profiles: int
    titles: int
    interactions: int
    seconds: float


async def _insert(conn: AsyncConnection, table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[start : start + BATCH])


async def save(db: Database, result: Precomputed, n_titles: int, seconds: float) -> None:
    """Replace every precomputed list with this run's, in one transaction."""
    picks = [
        {"profile_id": pid, "list": name, "rank": r, "title_id": p.title_id, "score": p.score,
         "because_title_id": p.because_title_id}
        for (pid, name), ranked in result.picks.items()
        for r, p in enumerate(ranked)
    ]  # fmt: skip
    similar = [
        {"title_id": tid, "rank": r, "other_id": other, "score": score}
        for tid, ranked in result.similar.items()
        for r, (other, score) in enumerate(ranked)
    ]
    trending = [
        {"rank": r, "title_id": tid, "score": score}
        for r, (tid, score) in enumerate(result.trending)
    ]
    profiles = len({pid for pid, _ in result.picks})
    async with db.write() as conn:
        for table in (reco_picks, reco_similar, reco_trending):
            await conn.execute(table.delete())
        await _insert(conn, reco_picks, picks)
        await _insert(conn, reco_similar, similar)
        await _insert(conn, reco_trending, trending)
        await conn.execute(
            reco_runs.insert().values(
                finished_at=time.time(), profiles=profiles, titles=n_titles,
                interactions=result.interactions, seconds=seconds,
            )
        )  # fmt: skip


async def last_run(db: Database) -> Run | None:
    query = sa.select(
        reco_runs.c.finished_at, reco_runs.c.profiles, reco_runs.c.titles,
        reco_runs.c.interactions, reco_runs.c.seconds,
    ).order_by(reco_runs.c.finished_at.desc()).limit(1)  # fmt: skip
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    return Run(*row) if row else None


def _not_dismissed(
    profile_id: int | sa.BindParameter[int], column: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    return ~(
        sa.select(reco_not_interested.c.title_id)
        .where(
            reco_not_interested.c.profile_id == profile_id,
            reco_not_interested.c.title_id == column,
        )
        .exists()
    )


async def picks(conn: AsyncConnection, profile_id: int, name: str, limit: int) -> list[Ranked]:
    """A profile's ranked list by key, less what it has since said it is not interested in."""
    because = titles.alias("because")
    query = (
        sa.select(reco_picks.c.title_id, reco_picks.c.because_title_id, because.c.title)
        .outerjoin(because, because.c.id == reco_picks.c.because_title_id)
        .where(
            reco_picks.c.profile_id == profile_id,
            reco_picks.c.list == name,
            _not_dismissed(profile_id, reco_picks.c.title_id),
        )
        .order_by(reco_picks.c.rank)
        .limit(limit)
    )
    return [Ranked(*row) for row in await conn.execute(query)]


async def similar(
    conn: AsyncConnection, profile_id: int | None, title_id: int, limit: int
) -> list[int]:
    query = sa.select(reco_similar.c.other_id).where(reco_similar.c.title_id == title_id)
    if profile_id is not None:
        query = query.where(_not_dismissed(profile_id, reco_similar.c.other_id))
    query = query.order_by(reco_similar.c.rank).limit(limit)
    return list((await conn.execute(query)).scalars())


async def trending(conn: AsyncConnection, profile_id: int, limit: int) -> list[int]:
    query = (
        sa.select(reco_trending.c.title_id)
        .where(_not_dismissed(profile_id, reco_trending.c.title_id))
        .order_by(reco_trending.c.rank)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


# The ranking subqueries are built once for the server, the profile and the seed title left as
# named parameters (PROFILE, SEED) given at execution: building a subquery and its column
# collection costs more CPU than running the row's statement.
PROFILE, SEED = "reco_profile_id", "reco_seed_id"


def _profile() -> sa.BindParameter[int]:
    return sa.bindparam(PROFILE, type_=sa.Integer)


@functools.cache
def picks_ranking(name: str) -> sa.Subquery:
    """(title_id, rank) of a profile's list (PROFILE), less what it is not interested in; Top
    picks also carry each card's note, "Because you watched X" (none where nothing led to it)."""
    query = sa.select(reco_picks.c.title_id, reco_picks.c.rank).where(
        reco_picks.c.profile_id == _profile(),
        reco_picks.c.list == name,
        _not_dismissed(_profile(), reco_picks.c.title_id),
    )
    if name == "top":
        because = titles.alias("because")
        note = sa.literal("Because you watched ", sa.String) + because.c.title
        query = query.add_columns(note.label("note")).outerjoin(
            because, because.c.id == reco_picks.c.because_title_id
        )
    return query.subquery()


@functools.cache
def similar_ranking() -> sa.Subquery:
    """(title_id, rank) of the titles like SEED, less what PROFILE is not interested in."""
    return (
        sa.select(reco_similar.c.other_id.label("title_id"), reco_similar.c.rank)
        .where(
            reco_similar.c.title_id == sa.bindparam(SEED, type_=sa.Integer),
            _not_dismissed(_profile(), reco_similar.c.other_id),
        )
        .subquery()
    )


@functools.cache
def trending_ranking() -> sa.Subquery:
    """(title_id, rank) of the trending list, less what PROFILE is not interested in."""
    return (
        sa.select(reco_trending.c.title_id, reco_trending.c.rank)
        .where(_not_dismissed(_profile(), reco_trending.c.title_id))
        .subquery()
    )


async def set_not_interested(db: Database, profile_id: int, title_id: int, on: bool) -> None:
    async with db.write() as conn:
        await conn.execute(
            reco_not_interested.delete().where(
                reco_not_interested.c.profile_id == profile_id,
                reco_not_interested.c.title_id == title_id,
            )
        )
        if on:
            await conn.execute(
                reco_not_interested.insert().values(
                    profile_id=profile_id, title_id=title_id, created_at=time.time()
                )
            )


async def not_interested(db: Database, profile_id: int) -> list[int]:
    query = (
        sa.select(reco_not_interested.c.title_id)
        .where(reco_not_interested.c.profile_id == profile_id)
        .order_by(reco_not_interested.c.created_at.desc())
    )
    async with db.read() as conn:
        return list((await conn.execute(query)).scalars())


async def add_liked(db: Database, profile_id: int, title_ids: list[int]) -> None:
    now = time.time()
    async with db.write() as conn:
        await conn.execute(
            reco_liked.delete().where(
                reco_liked.c.profile_id == profile_id, reco_liked.c.title_id.in_(title_ids)
            )
        )
        await _insert(
            conn,
            reco_liked,
            [{"profile_id": profile_id, "title_id": t, "created_at": now} for t in title_ids],
        )


async def liked_count(db: Database, profile_id: int) -> int:
    query = sa.select(sa.func.count()).where(reco_liked.c.profile_id == profile_id)
    async with db.read() as conn:
        return int(await conn.scalar(query) or 0)
