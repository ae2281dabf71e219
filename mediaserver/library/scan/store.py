"""The scan's bulk queries: what the library already knows, missing files, visibility, issues.

Each runs once per scan (or per batch), never once per file: loading a library's files is one
query, marking files missing is one statement per few hundred ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import (
    episodes,
    media_files,
    scan_issues,
    seasons,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump, bump_title_files
from mediaserver.db.upsert import dialect_insert
from mediaserver.library.scan.walker import WalkIssue
from mediaserver.safe_paths import display_path, from_db_path, to_db_path

CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit
REASON_MAX = 2000


# A media file as the last scan left it: read fine, could not be read, or no longer on disk.
FileStatus = Literal["ok", "failed", "missing"]


@dataclass(slots=True)
class KnownFile:
    id: int
    path: str  # as stored (to_db_path form)
    size: int
    mtime: float
    device: int | None
    inode: int | None
    status: FileStatus
    title_id: int | None
    episode_id: int | None


def chunks(items: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def load_files(db: Database, library_id: int) -> dict[str, KnownFile]:
    """Every file record of the library by stored path: one query."""
    mf = media_files
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(
                mf.c.id,
                mf.c.path,
                mf.c.size,
                mf.c.mtime,
                mf.c.device,
                mf.c.inode,
                mf.c.status,
                mf.c.title_id,
                mf.c.episode_id,
            ).where(mf.c.library_id == library_id)
        )
        return {r.path: KnownFile(*r) for r in rows}


async def mark_missing(conn: AsyncConnection, ids: Sequence[int], now: float) -> None:
    """Mark files gone; media URLs already handed out for them are refused from now on."""
    await bump(conn, "file", ids, now)
    for part in chunks(list(ids)):
        await conn.execute(
            media_files.update()
            .where(media_files.c.id.in_(part))
            .values(status="missing", removed_at=now)
        )


async def touch_seen(conn: AsyncConnection, ids: Sequence[int], now: float) -> None:
    for part in chunks(list(ids)):
        await conn.execute(
            media_files.update().where(media_files.c.id.in_(part)).values(last_seen_at=now)
        )


def _playable(owner: sa.ColumnElement[int], *, main_only: bool) -> sa.Exists:
    cond = [owner, media_files.c.status == "ok"]
    if main_only:
        cond.append(media_files.c.extra_kind.is_(None))
    return sa.exists().where(*cond)


async def refresh_visibility(conn: AsyncConnection, library_id: int, now: float) -> None:
    """Hide titles, seasons and episodes with no playable file left; show returning ones.

    Hidden things keep their rows (and so watch history); extras alone do not keep a title.
    Media URLs handed out for the files of a title or episode hidden here are refused from now
    on (an extra of a hidden title is no longer playable).
    """
    t_has = _playable(media_files.c.title_id == titles.c.id, main_only=True)
    in_lib = titles.c.library_id == library_id
    hidden = await conn.execute(
        titles.update()
        .where(in_lib, titles.c.removed_at.is_(None), ~t_has)
        .values(removed_at=now)
        .returning(titles.c.id)
    )
    await bump_title_files(conn, hidden.scalars().all(), now)
    await conn.execute(
        titles.update()
        .where(in_lib, titles.c.removed_at.is_not(None), t_has)
        .values(removed_at=None)
    )
    series_ids = sa.select(titles.c.id).where(in_lib, titles.c.kind == "series")
    e_has = _playable(media_files.c.episode_id == episodes.c.id, main_only=False)
    e_lib = episodes.c.series_id.in_(series_ids)
    hidden = await conn.execute(
        episodes.update()
        .where(e_lib, episodes.c.removed_at.is_(None), ~e_has)
        .values(removed_at=now)
        .returning(episodes.c.id)
    )
    episode_ids = list(hidden.scalars().all())
    for part in chunks(episode_ids):
        of_episodes = sa.select(media_files.c.id).where(media_files.c.episode_id.in_(part))
        await bump(conn, "file", (await conn.execute(of_episodes)).scalars().all(), now)
    await conn.execute(
        episodes.update()
        .where(e_lib, episodes.c.removed_at.is_not(None), e_has)
        .values(removed_at=None)
    )
    s_has = sa.exists().where(episodes.c.season_id == seasons.c.id, episodes.c.removed_at.is_(None))
    s_lib = seasons.c.series_id.in_(series_ids)
    await conn.execute(
        seasons.update().where(s_lib, seasons.c.removed_at.is_(None), ~s_has).values(removed_at=now)
    )
    await conn.execute(
        seasons.update()
        .where(s_lib, seasons.c.removed_at.is_not(None), s_has)
        .values(removed_at=None)
    )


async def rerated(conn: AsyncConnection, title_id: int, rating: str, now: float) -> None:
    """Before a scan writes a title's maturity rating: when it changes, the media URLs handed out
    for the title's files are refused (a profile whose cap it now exceeds must stop; the others
    are given fresh ones by their players)."""
    current = await conn.scalar(sa.select(titles.c.maturity_rating).where(titles.c.id == title_id))
    if current != rating:
        await bump_title_files(conn, [title_id], now)


async def record_issues(
    conn: AsyncConnection, library_id: int, issues: Sequence[WalkIssue], now: float
) -> None:
    """Insert or refresh one row per path (the latest reason wins)."""
    if not issues:
        return
    latest = {to_db_path(i.path): i.reason[:REASON_MAX] for i in issues}
    rows = [
        {"library_id": library_id, "path": path, "reason": reason, "seen_at": now}
        for path, reason in latest.items()
    ]
    stmt = dialect_insert(conn, scan_issues)
    stmt = stmt.on_conflict_do_update(
        index_elements=[scan_issues.c.library_id, scan_issues.c.path],
        set_={"reason": stmt.excluded.reason, "seen_at": stmt.excluded.seen_at},
    )
    await conn.execute(stmt, rows)


async def clear_old_issues(
    conn: AsyncConnection, library_id: int, before: float, paths: Sequence[str] | None = None
) -> None:
    """Forget issues not seen again since `before` (a full scan), or for these paths only."""
    cond = [scan_issues.c.library_id == library_id, scan_issues.c.seen_at < before]
    if paths is None:
        await conn.execute(scan_issues.delete().where(*cond))
        return
    for part in range(0, len(paths), CHUNK):
        stored = [to_db_path(p) for p in paths[part : part + CHUNK]]
        await conn.execute(scan_issues.delete().where(*cond, scan_issues.c.path.in_(stored)))


@dataclass(frozen=True, slots=True)
class IssueRow:
    path: str
    reason: str
    seen_at: float
    kind: Literal["file", "other"]  # a media file that failed, or another scan issue


async def list_issues(db: Database, library_id: int, limit: int = 1000) -> list[IssueRow]:
    """Failed files with their reasons, then other scan issues; paths made safe to display."""
    mf = media_files
    async with db.read() as conn:
        failed = await conn.execute(
            sa.select(mf.c.display_path, mf.c.error, mf.c.last_seen_at)
            .where(mf.c.library_id == library_id, mf.c.status == "failed")
            .order_by(mf.c.display_path)
            .limit(limit)
        )
        out = [IssueRow(r[0], r[1] or "unknown error", r[2], "file") for r in failed]
        others = await conn.execute(
            sa.select(scan_issues.c.path, scan_issues.c.reason, scan_issues.c.seen_at)
            .where(scan_issues.c.library_id == library_id)
            .order_by(scan_issues.c.path)
            .limit(limit)
        )
        out += [IssueRow(display_path(from_db_path(r[0])), r[1], r[2], "other") for r in others]
    return out
