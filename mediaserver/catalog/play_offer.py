"""The main button of a title page: Play, "Resume from 12:34" (with Start over), or for a series
the episode in progress, Next Up after the last one finished, else the first episode."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import playable_file
from mediaserver.catalog.continue_watching import is_started, next_episode, resume_href
from mediaserver.catalog.history import episode_label
from mediaserver.db.catalog_schema import episodes, media_files
from mediaserver.db.viewer_schema import watch_progress


@dataclass(frozen=True, slots=True)
class PlayOffer:
    """The main button: Play, "Resume from 12:34" (with Start over) or Next Up for a series."""

    media_file_id: int
    position: float | None = None  # resume point when partly watched
    label: str | None = None  # "S1:E2 · Name" for an episode
    season: int | None = None  # the episode's season (the title page opens it)

    @property
    def resume_href(self) -> str | None:
        if self.position is None:
            return None
        return resume_href(self.media_file_id, self.position)

    def as_json(self) -> dict[str, object]:
        return {
            "media_file_id": self.media_file_id,
            "play": f"/watch/{self.media_file_id}",
            "resume": self.resume_href,
            "start_over": f"/watch/{self.media_file_id}?t=0" if self.position else None,
            "position_seconds": self.position,
            "episode": self.label,
        }


async def _progress(conn: AsyncConnection, profile: Profile | None, file_id: int) -> sa.Row | None:
    if profile is None:
        return None
    wp = watch_progress
    query = sa.select(wp.c.position_seconds, wp.c.duration_seconds, wp.c.watched).where(
        wp.c.profile_id == profile.id, wp.c.media_file_id == file_id
    )
    return (await conn.execute(query)).first()


async def movie_offer(
    conn: AsyncConnection, profile: Profile | None, file_id: int | None
) -> PlayOffer | None:
    if file_id is None:
        return None
    row = await _progress(conn, profile, file_id)
    if row is not None and not row.watched and is_started(row[0], row[1]):
        return PlayOffer(file_id, row.position_seconds)
    return PlayOffer(file_id)


async def series_offer(
    conn: AsyncConnection, profile: Profile | None, series_id: int
) -> PlayOffer | None:
    """Resume the episode in progress, else Next Up after the last finished, else the first."""
    if profile is not None:
        wp = watch_progress
        last = (
            await conn.execute(
                sa.select(
                    wp.c.media_file_id,
                    wp.c.position_seconds,
                    wp.c.watched,
                    wp.c.duration_seconds,
                    episodes.c.season_number,
                    episodes.c.episode_number,
                    episodes.c.title,
                )
                .join(media_files, media_files.c.id == wp.c.media_file_id)
                .join(episodes, episodes.c.id == media_files.c.episode_id)
                .where(wp.c.profile_id == profile.id, episodes.c.series_id == series_id)
                .order_by(wp.c.updated_at.desc())
                .limit(1)
            )
        ).first()
        if last is not None:
            label = episode_label(last[4], last[5], last[6])
            if not last.watched and is_started(last.position_seconds, last.duration_seconds):
                return PlayOffer(last.media_file_id, last.position_seconds, label, last[4])
            if last.watched:
                found = await next_episode(conn, profile, series_id, last[4], last[5])
                if found is not None:
                    position = found.position if found.started else None
                    return PlayOffer(found.media_file_id, position, found.label, found.season)
    first = (
        await conn.execute(
            sa.select(
                media_files.c.id,
                episodes.c.season_number,
                episodes.c.episode_number,
                episodes.c.title,
            )
            .join(episodes, episodes.c.id == media_files.c.episode_id)
            .where(
                episodes.c.series_id == series_id,
                episodes.c.removed_at.is_(None),
                *playable_file(),
            )
            # Season 1 before specials (season 0), which sort last.
            .order_by(
                (episodes.c.season_number == 0),
                episodes.c.season_number,
                episodes.c.episode_number,
                media_files.c.id,
            )
            .limit(1)
        )
    ).first()
    if first is None:
        return None
    return PlayOffer(first[0], None, episode_label(first[1], first[2], first[3]), first[1])
