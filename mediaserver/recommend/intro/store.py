"""Intro detection's queries: a season's episode files, detection results and admin locks."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.catalog import markers_of, playable_file, set_detected_marker
from mediaserver.db.artwork_ab_schema import intro_detections
from mediaserver.db.catalog_schema import episodes, libraries, media_files, seasons, titles
from mediaserver.db.engine import Database
from mediaserver.db.upsert import upsert
from mediaserver.recommend.intro.detect import Found
from mediaserver.recommend.intro.records import IntroEpisode, IntroMarker, SeasonSummary
from mediaserver.safe_paths import from_db_path

KINDS = ("intro", "credits")


@dataclass(frozen=True, slots=True)
class SourceFile:
    media_file_id: int
    path: str
    library_id: int
    library_paths: list[str]


def _season_files() -> sa.Select:
    mf = media_files
    return (
        sa.select(
            mf.c.id, mf.c.path, mf.c.episode_id, libraries.c.id.label("library_id"),
            libraries.c.paths, episodes.c.episode_number, episodes.c.title,
            mf.c.duration_seconds,
        )
        .join(episodes, episodes.c.id == mf.c.episode_id)
        .join(titles, titles.c.id == episodes.c.series_id)
        .join(libraries, libraries.c.id == titles.c.library_id)
        .where(*playable_file(), sa.func.coalesce(mf.c.part, 1) == 1, titles.c.removed_at.is_(None))
        .order_by(episodes.c.episode_number, mf.c.id)
    )  # fmt: skip


async def season_files(db: Database, season_id: int) -> list[SourceFile]:
    """The main file of each episode of the season, in episode order."""
    async with db.read() as conn:
        rows = (await conn.execute(_season_files().where(episodes.c.season_id == season_id))).all()
    seen: set[int] = set()
    out = []
    for row in rows:
        if row.episode_id in seen:
            continue
        seen.add(row.episode_id)
        paths = [str(p) for p in row.paths] if isinstance(row.paths, list) else []
        out.append(SourceFile(row.id, from_db_path(row.path), row.library_id, paths))
    return out


async def seasons_of_files(db: Database, media_file_ids: list[int]) -> list[int]:
    query = (
        sa.select(episodes.c.season_id)
        .distinct()
        .join(media_files, media_files.c.episode_id == episodes.c.id)
        .where(media_files.c.id.in_(media_file_ids), media_files.c.extra_kind.is_(None))
    )
    async with db.read() as conn:
        return [int(i) for i in (await conn.execute(query)).scalars()]


async def save(db: Database, season_id: int, found: list[Found]) -> int:
    """Store what detection found and write the markers of kinds no admin locked; returns how
    many markers changed."""
    changed = 0
    now = time.time()
    det = intro_detections
    for item in found:
        values = {
            "season_id": season_id,
            "intro_start": item.intro.start if item.intro else None,
            "intro_end": item.intro.end if item.intro else None,
            "credits_start": item.credits.start if item.credits else None,
            "credits_end": item.credits.end if item.credits else None,
            "detected_at": now,
        }
        async with db.write() as conn:
            await upsert(conn, det, [det.c.media_file_id],
                         {"media_file_id": item.media_file_id} | values, values)  # fmt: skip
            locks = (
                await conn.execute(
                    sa.select(det.c.intro_locked, det.c.credits_locked).where(
                        det.c.media_file_id == item.media_file_id
                    )
                )
            ).one()
        for kind, span, locked in (
            ("intro", item.intro, locks.intro_locked),
            ("credits", item.credits, locks.credits_locked),
        ):
            if locked:
                continue
            pair = (span.start, span.end) if span else None
            changed += await set_detected_marker(db, item.media_file_id, kind, pair)
    return changed


async def set_locks(db: Database, media_file_id: int, season_id: int | None, **locks: bool) -> None:
    """Lock (an admin corrected it) or unlock kinds of a file's markers against detection."""
    det = intro_detections
    values = {f"{k}_locked": v for k, v in locks.items() if k in KINDS}
    async with db.write() as conn:
        await upsert(conn, det, [det.c.media_file_id],
                     {"media_file_id": media_file_id, "season_id": season_id} | values,
                     values)  # fmt: skip


async def file_season(db: Database, media_file_id: int) -> int | None:
    query = (
        sa.select(episodes.c.season_id)
        .join(media_files, media_files.c.episode_id == episodes.c.id)
        .where(media_files.c.id == media_file_id)
    )
    async with db.read() as conn:
        return await conn.scalar(query)


async def season_markers(db: Database, season_id: int) -> list[IntroEpisode]:
    """Each episode file of the season with its effective markers and detection state."""
    det = intro_detections
    query = (
        _season_files()
        .add_columns(
            det.c.intro_start, det.c.intro_end, det.c.credits_start, det.c.credits_end,
            det.c.intro_locked, det.c.credits_locked, det.c.detected_at,
        )
        .outerjoin(det, det.c.media_file_id == media_files.c.id)
        .where(episodes.c.season_id == season_id)
    )  # fmt: skip
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    effective = await markers_of(db, [r.id for r in rows])
    out = []
    for r in rows:
        now = effective.get(r.id)
        out.append(
            IntroEpisode(
                media_file_id=r.id,
                episode_number=r.episode_number,
                episode_title=r.title,
                duration=r.duration_seconds,
                intro=IntroMarker.of(now.intro if now else None),
                credits=IntroMarker.of(now.credits if now else None),
                detected_intro=IntroMarker.span(r.intro_start, r.intro_end),
                detected_credits=IntroMarker.span(r.credits_start, r.credits_end),
                intro_locked=bool(r.intro_locked),
                credits_locked=bool(r.credits_locked),
                detected_at=r.detected_at,
            )
        )
    return out


async def season_summaries(db: Database, limit: int = 500) -> list[SeasonSummary]:
    """Seasons of series with two or more episodes, with how many have detected markers."""
    det = intro_detections
    episode_count = sa.func.count(sa.distinct(episodes.c.id))
    query = (
        sa.select(
            seasons.c.id, seasons.c.number, titles.c.id.label("series_id"),
            titles.c.title.label("series"), episode_count.label("episodes"),
            sa.func.count(det.c.intro_start).label("intros"),
            sa.func.count(det.c.credits_start).label("credits"),
            sa.func.max(det.c.detected_at).label("detected_at"),
        )
        .join(titles, titles.c.id == seasons.c.series_id)
        .join(episodes, episodes.c.season_id == seasons.c.id)
        .outerjoin(media_files, media_files.c.episode_id == episodes.c.id)
        .outerjoin(det, det.c.media_file_id == media_files.c.id)
        .where(titles.c.removed_at.is_(None), seasons.c.removed_at.is_(None))
        .group_by(seasons.c.id, seasons.c.number, titles.c.id, titles.c.title)
        .order_by(titles.c.title, seasons.c.number)
        .limit(limit)
    )  # fmt: skip
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [SeasonSummary(r.id, r.number, r.series_id, r.series, r.episodes, r.intros, r.credits,
                          r.detected_at) for r in rows]  # fmt: skip


async def season_name(db: Database, season_id: int) -> str | None:
    query = (
        sa.select(titles.c.title, seasons.c.number)
        .join(titles, titles.c.id == seasons.c.series_id)
        .where(seasons.c.id == season_id)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else f"{row.title} · Season {row.number}"


async def season_names(db: Database, season_ids: list[int]) -> dict[int, str]:
    """ "Series · Season N" for each existing season among `season_ids`, in one query."""
    query = (
        sa.select(seasons.c.id, titles.c.title, seasons.c.number)
        .join(titles, titles.c.id == seasons.c.series_id)
        .where(seasons.c.id.in_(season_ids))
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return {r.id: f"{r.title} · Season {r.number}" for r in rows}
