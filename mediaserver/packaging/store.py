"""Packaging's queries: the source a job works from, the `ladders` rows, generated posters
(the records they return are in records.py).

Every function is one short transaction; nothing here runs PyAV or touches storage.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.catalog import playable_file
from mediaserver.db.catalog_schema import (
    episodes,
    images,
    libraries,
    media_files,
    subtitle_tracks,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.image_owner_lock import lock_image_owner
from mediaserver.db.packaging_schema import ladders
from mediaserver.db.schema import jobs
from mediaserver.db.upsert import dialect_insert
from mediaserver.library import LibraryPolicy
from mediaserver.packaging.paths import LADDERS_ROOT
from mediaserver.packaging.records import (
    Ladder,
    PackageSource,
    PosterCandidateRecord,
    PublishedLadder,
    SubtitleSource,
    ladder_from_row,
)
from mediaserver.safe_paths import from_db_path, library_roots

PACKAGED_POLICIES: tuple[LibraryPolicy, ...] = ("preencode", "hybrid")
ERROR_MAX = 2000


def subtitle_source(s: Any) -> SubtitleSource:
    """A `subtitle_tracks` row as a SubtitleSource (sidecar paths back in OS form)."""
    return SubtitleSource(
        id=s.id,
        source=s.source,
        stream_index=s.stream_index,
        path=from_db_path(s.path) if s.path else None,
        format=s.format,
        language=s.language,
        forced=bool(s.is_forced),
        default=bool(s.is_default),
        sdh=bool(s.is_sdh),
        bitmap=bool(s.is_bitmap),
    )


async def load_source(db: Database, media_file_id: int, data_dir: Path) -> PackageSource | None:
    """The file as packaging reads it; `data_dir` holds the library's upload folder, one of its
    roots."""
    mf, lib = media_files, libraries
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(
                    mf.c.id,
                    mf.c.library_id,
                    mf.c.path,
                    mf.c.display_path,
                    mf.c.size,
                    mf.c.mtime,
                    mf.c.status,
                    mf.c.removed_at,
                    mf.c.duration_seconds,
                    mf.c.title_id,
                    mf.c.episode_id,
                    mf.c.extra_kind,
                    mf.c.part,
                    lib.c.policy,
                    lib.c.paths,
                )
                .join(lib, lib.c.id == mf.c.library_id)
                .where(mf.c.id == media_file_id)
            )
        ).first()
        if row is None:
            return None
        st = subtitle_tracks
        subs = await conn.execute(
            sa.select(st).where(st.c.media_file_id == media_file_id).order_by(st.c.id)
        )
        tracks = [subtitle_source(s) for s in subs]
    return PackageSource(
        media_file_id=row.id,
        library_id=row.library_id,
        policy=row.policy,
        path=from_db_path(row.path),
        display_path=row.display_path,
        roots=list(library_roots(row.paths or (), row.library_id, data_dir)),
        size=row.size,
        mtime=row.mtime,
        status=row.status,
        removed=row.removed_at is not None,
        duration_seconds=row.duration_seconds,
        title_id=row.title_id,
        episode_id=row.episode_id,
        is_main=row.extra_kind is None and (row.part or 1) == 1,
        subtitles=tracks,
    )


async def set_status(
    db: Database,
    media_file_id: int,
    status: str,
    *,
    job_id: int | None = None,
    error: str | None = None,
) -> None:
    """Create the row or change its status; a published ladder's contents stay as they are."""
    now = time.time()
    async with db.write() as conn:
        stmt = dialect_insert(conn, ladders).values(
            media_file_id=media_file_id,
            status=status,
            job_id=job_id,
            error=error[:ERROR_MAX] if error else None,
            rungs=[],
            audio=[],
            subtitles=[],
            posters=[],
            created_at=now,
            updated_at=now,
        )
        changes: dict[str, Any] = {"status": status, "error": stmt.excluded.error}
        changes["updated_at"] = now
        if job_id is not None:
            changes["job_id"] = job_id
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=[ladders.c.media_file_id], set_=changes)
        )


async def record_published(db: Database, source: PackageSource, ladder: PublishedLadder) -> None:
    """After publish: the ladder row and the generated poster images, in one transaction."""
    now = time.time()
    row = ladder.row_values() | {
        "status": "ready",
        "error": None,
        "source_size": source.size,
        "source_mtime": source.mtime,
        "updated_at": now,
        "published_at": now,
    }
    async with db.write() as conn:
        stmt = dialect_insert(conn, ladders).values(
            media_file_id=source.media_file_id, created_at=now, **row
        )
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=[ladders.c.media_file_id], set_=row)
        )
        if source.is_main and (source.title_id or source.episode_id):
            await _replace_generated_images(conn, source, ladder.posters, now)


async def _replace_generated_images(
    conn: AsyncConnection,
    source: PackageSource,
    posters: tuple[PosterCandidateRecord, ...],
    now: float,
) -> None:
    """Generated candidates of this file replace its earlier ones; the best is selected unless
    the owner already has a selected poster that is not generated (a local file, an upload)."""
    await lock_image_owner(conn, title_id=source.title_id, episode_id=source.episode_id)
    if source.episode_id is not None:
        owner, kind = {"episode_id": source.episode_id}, "thumb"
        owner_col = images.c.episode_id == source.episode_id
    else:
        owner, kind = {"title_id": source.title_id}, "poster"
        owner_col = images.c.title_id == source.title_id
    await conn.execute(
        images.delete().where(
            owner_col,
            images.c.source == "generated",
            # Every earlier publish of this file ("ladders/<id>/v<job>/..."), not only this one.
            images.c.location.like(f"{LADDERS_ROOT}/{int(source.media_file_id)}/%"),
        )
    )
    chosen = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(images)
        .where(owner_col, images.c.kind == kind, images.c.is_selected == sa.true())
    )
    rows = [
        {
            **owner,
            "kind": kind,
            "source": "generated",
            "location": p.key,
            "width": p.width,
            "height": p.height,
            "is_selected": i == 0 and not chosen,
            "created_at": now,
        }
        for i, p in enumerate(posters)
    ]
    if rows:
        await conn.execute(images.insert(), rows)


def _select_ladders() -> sa.Select:
    """Ladder rows with the file's display path and its episode's or title's name."""
    mf = media_files
    title_name = sa.func.coalesce(episodes.c.title, titles.c.title).label("title")
    return (
        sa.select(ladders, mf.c.display_path, title_name)
        .join(mf, mf.c.id == ladders.c.media_file_id)
        .outerjoin(titles, titles.c.id == mf.c.title_id)
        .outerjoin(episodes, episodes.c.id == mf.c.episode_id)
    )


async def get_ladder(db: Database, media_file_id: int) -> Ladder | None:
    async with db.read() as conn:
        row = (
            await conn.execute(_select_ladders().where(ladders.c.media_file_id == media_file_id))
        ).first()
    return ladder_from_row(row) if row is not None else None


async def list_ladders(db: Database, limit: int = 500) -> list[Ladder]:
    """Most recently changed first, for the admin page."""
    async with db.read() as conn:
        rows = await conn.execute(
            _select_ladders().order_by(ladders.c.updated_at.desc()).limit(limit)
        )
        return [ladder_from_row(r) for r in rows]


async def files_of_title(db: Database, title_id: int) -> list[int]:
    """The files a title's "package again" means: its movie parts or its episodes (no extras)."""
    mf = media_files
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(mf.c.id).where(mf.c.title_id == title_id, *playable_file()).order_by(mf.c.id)
        )
        return [r.id for r in rows]


async def packaged_policy_files(db: Database, ids: Iterable[int]) -> list[int]:
    """Of these media files, those whose library's policy wants a ladder."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    mf = media_files
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(mf.c.id)
            .join(libraries, libraries.c.id == mf.c.library_id)
            .where(mf.c.id.in_(wanted), libraries.c.policy.in_(PACKAGED_POLICIES))
        )
        return [r.id for r in rows]


async def live_job_ids(db: Database, ids: Iterable[int]) -> set[int]:
    """Of these job ids, those a worker is running now under an unexpired lease."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    now = time.time()
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(jobs.c.id).where(
                jobs.c.id.in_(wanted),
                jobs.c.status == "running",
                jobs.c.lease_expires_at > now,
            )
        )
        return {r.id for r in rows}
