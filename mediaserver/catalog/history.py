"""Watch History: what a profile has started, newest first, read from watch_progress (which the
player writes). Removing an entry deletes that progress row: it leaves Continue Watching too."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import selected_art, visible
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.errors import BadRequest, NotFound

PAGE = 100


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    media_file_id: int
    title_id: int
    title: str
    kind: str
    year: int | None
    episode_label: str | None  # "S1:E3 · Pilot" for an episode
    position_seconds: float
    duration_seconds: float | None
    watched: bool
    updated_at: float
    has_poster: bool = False

    @property
    def progress(self) -> float | None:
        if self.watched:
            return 1.0
        if not self.duration_seconds:
            return None
        return max(0.0, min(1.0, self.position_seconds / self.duration_seconds))

    def as_json(self) -> dict[str, object]:
        return {
            "media_file_id": self.media_file_id,
            "title_id": self.title_id,
            "title": self.title,
            "kind": self.kind,
            "year": self.year,
            "episode": self.episode_label,
            "position_seconds": self.position_seconds,
            "duration_seconds": self.duration_seconds,
            "watched": self.watched,
            "updated_at": self.updated_at,
        }


def episode_label(season: int | None, number: int | None, name: str | None) -> str | None:
    if season is None or number is None:
        return None
    label = f"S{season}:E{number}"
    return f"{label} · {name}" if name else label


def owner_title_id() -> sa.ColumnElement[int]:
    """The title a progress row belongs to (the series for an episode)."""
    return sa.func.coalesce(watch_progress.c.title_id, episodes.c.series_id, media_files.c.title_id)


def progress_join() -> sa.FromClause:
    wp = watch_progress
    return (
        wp.join(media_files, media_files.c.id == wp.c.media_file_id)
        .outerjoin(
            episodes, episodes.c.id == sa.func.coalesce(wp.c.episode_id, media_files.c.episode_id)
        )
        .join(titles, titles.c.id == owner_title_id())
    )


def parse_before(raw: str | None) -> float | None:
    """?before=<updated_at of the last entry seen>: a finite time; 400 otherwise."""
    if not raw:
        return None
    try:
        before = float(raw)
    except ValueError:
        before = math.nan
    if not math.isfinite(before):
        raise BadRequest("'before' must be a time in epoch seconds.", field="before")
    return before


async def entries(
    db: Database, profile: Profile, limit: int = PAGE, before: float | None = None
) -> list[HistoryEntry]:
    """This profile's history, newest first; `before` pages on (updated_at of the last one)."""
    wp = watch_progress
    query = (
        sa.select(
            wp.c.media_file_id,
            titles.c.id,
            titles.c.title,
            titles.c.kind,
            titles.c.year,
            episodes.c.season_number,
            episodes.c.episode_number,
            episodes.c.title,
            wp.c.position_seconds,
            wp.c.duration_seconds,
            wp.c.watched,
            wp.c.updated_at,
            selected_art("poster").label("has_poster"),
        )
        .select_from(progress_join())
        .where(wp.c.profile_id == profile.id, visible(profile))
        .order_by(wp.c.updated_at.desc(), wp.c.media_file_id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(wp.c.updated_at < before)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [
        HistoryEntry(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            episode_label(r[5], r[6], r[7]),
            r[8],
            r[9],
            bool(r[10]),
            r[11],
            bool(r[12]),
        )
        for r in rows
    ]


async def remove(db: Database, profile: Profile, media_file_id: int) -> None:
    """Delete one entry of this profile's history; another profile's is "not found"."""
    async with db.write() as conn:
        result = await conn.execute(
            watch_progress.delete().where(
                watch_progress.c.profile_id == profile.id,
                watch_progress.c.media_file_id == media_file_id,
            )
        )
    if result.rowcount == 0:
        raise NotFound("No such history entry.")


async def clear(db: Database, profile: Profile) -> int:
    """Delete all of this profile's history; how many entries went."""
    async with db.write() as conn:
        result = await conn.execute(
            watch_progress.delete().where(watch_progress.c.profile_id == profile.id)
        )
    return result.rowcount or 0
