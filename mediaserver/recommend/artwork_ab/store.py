"""Poster tests' queries: a title's candidates with their totals, sticky assignments, counted
views, card clicks, winners and pins.

A title is under test when it has two or more poster candidates taken from its video by
packaging ("generated" images) and no poster of another source (a local file, an admin's upload)
is selected: an admin's own choice is never second-guessed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db import artwork_ab_schema as schema
from mediaserver.db.catalog_schema import episodes, images, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.upsert import dialect_insert, upsert
from mediaserver.recommend.artwork_ab.sampling import Arm

arms, tests, assignments = (
    schema.artwork_ab_arms,
    schema.artwork_ab_tests,
    schema.artwork_ab_assignments,
)
seen, clicks = schema.artwork_ab_seen, schema.artwork_ab_clicks


@dataclass(frozen=True, slots=True)
class TitleTest:
    """A title's candidates (in id order) with their totals, and how it is decided."""

    title_id: int
    arms: tuple[Arm, ...]
    pinned: int | None
    winner: int | None
    # This profile's current candidate and since when (only when asked for a profile).
    assigned: int | None = None
    assigned_at: float | None = None

    @property
    def served_to_all(self) -> int | None:
        """The pinned candidate, else the decided winner (while it is still a candidate)."""
        ids = {a.image_id for a in self.arms}
        for chosen in (self.pinned, self.winner):
            if chosen in ids:
                return chosen
        return None


def _admin_choice() -> sa.Exists:
    """A poster of another source is selected for the title (no test then)."""
    other = images.alias("other")
    return sa.exists().where(
        other.c.title_id == images.c.title_id,
        other.c.kind == "poster",
        other.c.is_selected.is_(True),
        other.c.source != "generated",
        other.c.season_id.is_(None),
        other.c.episode_id.is_(None),
    )


def candidates_query(title_ids: list[int] | None, profile_id: int | None) -> sa.Select:
    """One row per candidate: its totals, the title's pin and winner, the profile's
    assignment."""
    cols = [
        images.c.id, images.c.title_id, sa.func.coalesce(arms.c.impressions, 0).label("shown"),
        sa.func.coalesce(arms.c.plays, 0).label("played"), tests.c.pinned_image_id,
        tests.c.winner_image_id,
    ]  # fmt: skip
    query = sa.select(*cols)
    if profile_id is not None:
        query = query.add_columns(assignments.c.image_id.label("assigned"),
                                  assignments.c.assigned_at)  # fmt: skip
    joined = images.outerjoin(arms, arms.c.image_id == images.c.id).outerjoin(
        tests, tests.c.title_id == images.c.title_id
    )
    if profile_id is not None:
        joined = joined.outerjoin(
            assignments,
            sa.and_(assignments.c.title_id == images.c.title_id,
                    assignments.c.profile_id == profile_id),
        )  # fmt: skip
    query = query.select_from(joined).where(
        images.c.kind == "poster",
        images.c.source == "generated",
        images.c.title_id.is_not(None),
        images.c.season_id.is_(None),
        images.c.episode_id.is_(None),
        ~_admin_choice(),
    )
    if title_ids is not None:
        query = query.where(images.c.title_id.in_(title_ids))
    return query.order_by(images.c.title_id, images.c.id)


def group(rows: list[sa.Row], with_profile: bool) -> dict[int, TitleTest]:
    """Rows of `candidates_query` as tests of titles with two or more candidates."""
    by_title: dict[int, list[sa.Row]] = {}
    for row in rows:
        by_title.setdefault(row.title_id, []).append(row)
    out = {}
    for title_id, found in by_title.items():
        if len(found) < 2:
            continue
        first = found[0]
        out[title_id] = TitleTest(
            title_id,
            tuple(Arm(r.id, int(r.shown), int(r.played)) for r in found),
            first.pinned_image_id,
            first.winner_image_id,
            first.assigned if with_profile else None,
            first.assigned_at if with_profile else None,
        )
    return out


async def title_tests(
    db: Database, title_ids: list[int] | None, profile_id: int | None = None
) -> dict[int, TitleTest]:
    async with db.read() as conn:
        rows = list((await conn.execute(candidates_query(title_ids, profile_id))).all())
    return group(rows, profile_id is not None)


async def assign(db: Database, profile_id: int, chosen: dict[int, int]) -> None:
    now = time.time()
    async with db.write() as conn:
        for title_id, image_id in chosen.items():
            await upsert(conn, assignments, [assignments.c.profile_id, assignments.c.title_id],
                         {"profile_id": profile_id, "title_id": title_id, "image_id": image_id,
                          "assigned_at": now},
                         {"image_id": image_id, "assigned_at": now})  # fmt: skip


async def _bump(conn: AsyncConnection, title_id: int, image_id: int, column: str) -> None:
    now = time.time()
    start = {"image_id": image_id, "title_id": title_id, "impressions": 0, "plays": 0,
             "updated_at": now, column: 1}  # fmt: skip
    await upsert(conn, arms, [arms.c.image_id], start,
                 {column: arms.c[column] + 1, "updated_at": now})  # fmt: skip


async def count_impressions(db: Database, view_key: str, items: list[tuple[int, int]]) -> int:
    """Count each (title, candidate) once per view; returns how many were new."""
    counted = 0
    now = time.time()
    async with db.write() as conn:
        for title_id, image_id in items:
            stmt = dialect_insert(conn, seen).values(view_id=view_key, title_id=title_id,
                                                     created_at=now)  # fmt: skip
            result = await conn.execute(stmt.on_conflict_do_nothing())
            if result.rowcount:
                await _bump(conn, title_id, image_id, "impressions")
                counted += 1
    return counted


async def record_click(db: Database, profile_id: int, title_id: int, image_id: int) -> None:
    now = time.time()
    async with db.write() as conn:
        await upsert(conn, clicks, [clicks.c.profile_id, clicks.c.title_id],
                     {"profile_id": profile_id, "title_id": title_id, "image_id": image_id,
                      "clicked_at": now},
                     {"image_id": image_id, "clicked_at": now})  # fmt: skip


async def title_of_file(db: Database, media_file_id: int) -> int | None:
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    query = (
        sa.select(owner)
        .select_from(media_files.outerjoin(episodes, episodes.c.id == media_files.c.episode_id))
        .where(media_files.c.id == media_file_id)
    )
    async with db.read() as conn:
        return await conn.scalar(query)


async def attribute_play(db: Database, profile_id: int, title_id: int, since: float) -> int | None:
    """Credit a play to the candidate whose card this profile opened since `since` (once per
    click); returns that candidate. Most plays follow no such click: those only read."""
    mine = (clicks.c.profile_id == profile_id, clicks.c.title_id == title_id)
    query = sa.select(clicks.c.image_id).where(*mine, clicks.c.clicked_at >= since)
    async with db.read() as conn:
        if (await conn.execute(query)).first() is None:
            return None
    async with db.write() as conn:
        row = (await conn.execute(query)).first()  # again: a concurrent play may have taken it
        if row is None:
            return None
        await conn.execute(clicks.delete().where(*mine))
        await _bump(conn, title_id, row.image_id, "plays")
        return int(row.image_id)


async def set_decision(
    db: Database, title_id: int, *, winner: int | None = None, pinned: int | None = None,
    set_pin: bool = False,
) -> None:  # fmt: skip
    """Record a decided winner, or (set_pin) an admin's pin (None: unpinned)."""
    now = time.time()
    values: dict[str, object] = {"updated_at": now}
    if set_pin:
        values["pinned_image_id"] = pinned
    else:
        values |= {"winner_image_id": winner, "decided_at": now}
    async with db.write() as conn:
        await upsert(conn, tests, [tests.c.title_id], {"title_id": title_id} | values, values)


async def title_names(db: Database, title_ids: list[int]) -> dict[int, str]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(titles.c.id, titles.c.title).where(titles.c.id.in_(title_ids))
        )
        return {r.id: r.title for r in rows}


async def purge(db: Database, seen_before: float, clicked_before: float) -> int:
    async with db.write() as conn:
        a = await conn.execute(seen.delete().where(seen.c.created_at < seen_before))
        b = await conn.execute(clicks.delete().where(clicks.c.clicked_at < clicked_before))
    return (a.rowcount or 0) + (b.rowcount or 0)
