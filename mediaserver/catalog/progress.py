"""Resume positions per profile (table watch_progress), the watched flag, and the next episode.

A position is saved every few seconds while playing; at 95% of the duration the file counts as
watched (that moves Next Up on). Continue Watching, Next Up and Watch History read the same rows.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.catalog.browse import playable_file
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.upsert import upsert
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.errors import BadRequest, NotFound

WATCHED_FRACTION = 0.95
# Longer than any real film or episode: a larger position is a client bug, not a play.
MAX_SECONDS = 48 * 3600.0


@dataclass(frozen=True, slots=True)
class Progress:
    media_file_id: int
    position_seconds: float
    duration_seconds: float | None
    watched: bool
    updated_at: float

    @property
    def resume_seconds(self) -> float:
        """Where "Resume" starts: the saved position, or 0 once the end was reached."""
        if self.duration_seconds and self.position_seconds >= (
            WATCHED_FRACTION * self.duration_seconds
        ):
            return 0.0
        return self.position_seconds

    def as_json(self) -> dict[str, object]:
        return {
            "media_file_id": self.media_file_id,
            "position_seconds": self.position_seconds,
            "duration_seconds": self.duration_seconds,
            "watched": self.watched,
            "resume_seconds": self.resume_seconds,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class NextEpisodeFile:
    """The file of the episode after the one playing, for the player's countdown."""

    media_file_id: int
    label: str  # S01E02
    title: str
    series_title: str

    def as_json(self) -> dict[str, object]:
        return {
            "media_file_id": self.media_file_id,
            "label": self.label,
            "title": self.title,
            "series_title": self.series_title,
            "url": f"/watch/{self.media_file_id}?t=0",
        }


@dataclass(frozen=True, slots=True)
class FileHeading:
    """What the player page shows above the video, and the title "Back" goes to."""

    heading: str
    subheading: str
    title_id: int | None
    duration_seconds: float | None


def seconds_value(raw: object, name: str, *, required: bool = True) -> float | None:
    """A number of seconds from JSON or a form field: finite, 0..48 h; 400 otherwise."""
    if raw is None or raw == "":
        if required:
            raise BadRequest(f"'{name}' is required (seconds).", field=name)
        return None
    if isinstance(raw, bool):
        raise BadRequest(f"'{name}' must be a number of seconds.", field=name)
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRequest(f"'{name}' must be a number of seconds.", field=name) from None
    if not math.isfinite(value) or value < 0 or value > MAX_SECONDS:
        raise BadRequest(f"'{name}' must be between 0 and {MAX_SECONDS:.0f} seconds.", field=name)
    return value


async def get_progress(db: Database, profile_id: int, media_file_id: int) -> Progress | None:
    wp = watch_progress
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(
                    wp.c.media_file_id,
                    wp.c.position_seconds,
                    wp.c.duration_seconds,
                    wp.c.watched,
                    wp.c.updated_at,
                ).where(wp.c.profile_id == profile_id, wp.c.media_file_id == media_file_id)
            )
        ).first()
    return Progress(*row) if row is not None else None


async def save_progress(
    db: Database,
    profile_id: int,
    media_file_id: int,
    position: float,
    duration: float | None = None,
) -> Progress:
    """Store the position; 95% of the duration marks the file watched (and it stays watched)."""
    now = time.time()
    async with db.write() as conn:
        owner = (
            await conn.execute(
                sa.select(
                    media_files.c.title_id,
                    media_files.c.episode_id,
                    episodes.c.series_id,
                    media_files.c.duration_seconds,
                )
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .where(media_files.c.id == media_file_id)
            )
        ).first()
        if owner is None:
            raise NotFound("No such media file.")
        # The probed duration is the truth; the player's is used only when the probe had none.
        length = owner.duration_seconds or duration
        if length:
            position = min(position, length)
        reached_end = bool(length) and position >= WATCHED_FRACTION * float(length)
        values = {
            "profile_id": profile_id,
            "media_file_id": media_file_id,
            "title_id": owner.title_id or owner.series_id,
            "episode_id": owner.episode_id,
            "position_seconds": position,
            "duration_seconds": length,
            "watched": reached_end,
            "updated_at": now,
        }
        wp = watch_progress
        update = {
            "position_seconds": position,
            "duration_seconds": length,
            # Watched stays watched: rewatching the start must not bring back "unwatched".
            "watched": True if reached_end else wp.c.watched,
            "updated_at": now,
        }
        await upsert(conn, wp, [wp.c.profile_id, wp.c.media_file_id], values, update)
    found = await get_progress(db, profile_id, media_file_id)
    assert found is not None  # just written
    return found


async def next_episode_file(db: Database, media_file_id: int) -> NextEpisodeFile | None:
    """The file of the episode after this one in its series (by season, then episode number),
    with its label; None for movies and the last episode. Same series, so the same rating."""
    nxt = episodes.alias("nxt")
    mf = media_files
    async with db.read() as conn:
        current = (
            await conn.execute(
                sa.select(episodes.c.series_id, episodes.c.season_number, episodes.c.episode_number)
                .join(media_files, media_files.c.episode_id == episodes.c.id)
                .where(media_files.c.id == media_file_id)
            )
        ).first()
        if current is None:
            return None
        after = sa.or_(
            nxt.c.season_number > current.season_number,
            sa.and_(
                nxt.c.season_number == current.season_number,
                nxt.c.episode_number > current.episode_number,
            ),
        )
        row = (
            await conn.execute(
                sa.select(
                    mf.c.id,
                    nxt.c.season_number,
                    nxt.c.episode_number,
                    nxt.c.title,
                    titles.c.title.label("series_title"),
                )
                .select_from(nxt)
                .join(mf, mf.c.episode_id == nxt.c.id)
                .join(titles, titles.c.id == nxt.c.series_id)
                .where(
                    nxt.c.series_id == current.series_id,
                    after,
                    # Specials (season 0) are not part of the order, as in Continue Watching.
                    nxt.c.season_number > 0,
                    nxt.c.removed_at.is_(None),
                    titles.c.removed_at.is_(None),
                    *playable_file(),
                    sa.func.coalesce(mf.c.part, 1) == 1,
                )
                .order_by(nxt.c.season_number, nxt.c.episode_number, mf.c.id)
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    label = f"S{row.season_number:02d}E{row.episode_number:02d}"
    return NextEpisodeFile(row.id, label, row.title or label, row.series_title)


async def file_heading(db: Database, media_file_id: int) -> FileHeading | None:
    """What the player page shows above the video: the title, and for an episode its series,
    season and episode; where "Back" goes. None for an unknown file."""
    series = titles.alias("series")
    query = (
        sa.select(
            media_files.c.duration_seconds,
            titles.c.id.label("title_id"),
            titles.c.title,
            titles.c.year,
            series.c.id.label("series_id"),
            series.c.title.label("series_title"),
            episodes.c.season_number,
            episodes.c.episode_number,
            episodes.c.title.label("episode_title"),
        )
        .select_from(media_files)
        .outerjoin(titles, titles.c.id == media_files.c.title_id)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .outerjoin(series, series.c.id == episodes.c.series_id)
        .where(media_files.c.id == media_file_id)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    if row.series_id is not None:
        label = f"S{row.season_number:02d}E{row.episode_number:02d}"
        return FileHeading(
            heading=row.series_title,
            subheading=f"{label} · {row.episode_title}" if row.episode_title else label,
            title_id=row.series_id,
            duration_seconds=row.duration_seconds,
        )
    return FileHeading(
        heading=row.title or "Untitled",
        subheading=str(row.year) if row.year else "",
        title_id=row.title_id,
        duration_seconds=row.duration_seconds,
    )
