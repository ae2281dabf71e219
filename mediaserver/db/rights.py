"""Rights generations: a counter per user, profile and media file, raised when what it may play
shrinks (an account disabled or its password reset, a profile made kids or capped lower or
deleted, a file removed, a title hidden or re-rated).

Media tokens carry the generations they were issued under; media routes refuse a token once one
of them is behind (streaming/rights.py keeps them in memory, read again from here every few
seconds, so no segment costs a query). The rows live in the database so that every instance
sharing it sees a change, and a restart forgets none. A subject that never changed has no row:
generation 0.

The domains that change rights call `bump` inside the transaction that makes the change, so the
two commit together.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import episodes, media_files
from mediaserver.db.schema import rights_generations
from mediaserver.db.upsert import dialect_insert

RightsKind = Literal["user", "profile", "file"]
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class Generations:
    """The generations a media token was issued under (0: never changed)."""

    user: int = 0
    profile: int = 0
    file: int = 0


@dataclass(frozen=True, slots=True)
class GenerationChange:
    kind: RightsKind
    subject_id: int
    generation: int
    changed_at: float


async def bump(
    conn: AsyncConnection, kind: RightsKind, ids: Iterable[int], now: float | None = None
) -> None:
    """Raise the generation of each subject: every media token issued for it before is refused."""
    subjects = sorted({int(i) for i in ids})
    if not subjects:
        return
    at = time.time() if now is None else now
    table = rights_generations
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.subject_id],
        set_={"generation": table.c.generation + 1, "changed_at": stmt.excluded.changed_at},
    )
    rows = [{"kind": kind, "subject_id": i, "generation": 1, "changed_at": at} for i in subjects]
    for start in range(0, len(rows), CHUNK):
        await conn.execute(stmt, rows[start : start + CHUNK])


async def bump_title_files(
    conn: AsyncConnection, title_ids: Iterable[int], now: float | None = None
) -> None:
    """Raise the generation of every file of these titles (a series' episodes included)."""
    ids = sorted({int(i) for i in title_ids})
    files: list[int] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        of_series = sa.select(episodes.c.id).where(episodes.c.series_id.in_(part))
        query = sa.select(media_files.c.id).where(
            sa.or_(media_files.c.title_id.in_(part), media_files.c.episode_id.in_(of_series))
        )
        files.extend((await conn.execute(query)).scalars())
    await bump(conn, "file", files, now)


async def generations_of(
    conn: AsyncConnection, user_id: int, profile_id: int, media_file_id: int
) -> Generations:
    """The current generations of one play's user, profile and file: one query."""
    table = rights_generations
    wanted = (("user", user_id), ("profile", profile_id), ("file", media_file_id))
    query = sa.select(table.c.kind, table.c.generation).where(
        sa.or_(*(sa.and_(table.c.kind == k, table.c.subject_id == i) for k, i in wanted))
    )
    found = {row.kind: row.generation for row in await conn.execute(query)}
    return Generations(found.get("user", 0), found.get("profile", 0), found.get("file", 0))


async def changed_since(conn: AsyncConnection, since: float | None) -> list[GenerationChange]:
    """Every generation changed at or after `since` (all of them when None)."""
    table = rights_generations
    query = sa.select(table.c.kind, table.c.subject_id, table.c.generation, table.c.changed_at)
    if since is not None:
        query = query.where(table.c.changed_at >= since)
    rows = await conn.execute(query)
    return [GenerationChange(r.kind, r.subject_id, r.generation, r.changed_at) for r in rows]
