"""Continue Watching: the titles a profile is in the middle of, most recent first; for a series
whose last episode was finished, "Next Up" is the following episode (by season, then episode
number; specials in season 0 are left out of the order)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import TitleCard, episode_main_file, visible
from mediaserver.catalog.card_queries import cards_by_ids
from mediaserver.catalog.history import episode_label, owner_title_id, progress_join
from mediaserver.db.catalog_schema import episodes
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import watch_progress

# Look this many recent progress rows back: enough for a full row after de-duplicating by title.
SCAN_ROWS = 300
# Starting a title and leaving within the first seconds is not "watching" it yet (for a very
# short file, a twentieth of it is).
MIN_POSITION = 5.0


def is_started(position: float | None, duration: float | None) -> bool:
    """Far enough in to offer Resume."""
    if not position:
        return False
    return position >= MIN_POSITION or bool(duration and position >= duration / 20)


def resume_href(media_file_id: int, position: float) -> str:
    return f"/watch/{media_file_id}?t={int(position)}"


@dataclass(frozen=True, slots=True)
class NextEpisode:
    """The episode after one a profile finished, with where the profile is in it."""

    media_file_id: int
    season: int
    number: int
    name: str | None
    position: float | None
    duration: float | None

    @property
    def label(self) -> str | None:
        return episode_label(self.season, self.number, self.name)

    @property
    def started(self) -> bool:
        return is_started(self.position, self.duration)

    @property
    def href(self) -> str:
        """Resume where the profile left it, else play from the start."""
        if self.position is not None and self.started:
            return resume_href(self.media_file_id, self.position)
        return f"/watch/{self.media_file_id}"


@dataclass(frozen=True, slots=True)
class _Pick:
    """What a Continue Watching card offers: a progress bar or Next Up, and its play link."""

    progress: float | None
    note: str | None
    play_href: str


async def next_episode(
    conn: AsyncConnection, profile: Profile, series_id: int, season: int, number: int
) -> NextEpisode | None:
    """The first episode after this one that the profile has not finished and that has a
    playable file; None at the end."""
    wp = watch_progress
    main_file = episode_main_file()
    after = sa.or_(
        episodes.c.season_number > season,
        sa.and_(episodes.c.season_number == season, episodes.c.episode_number > number),
    )
    candidates = (
        sa.select(
            main_file.label("file_id"),
            episodes.c.id,
            episodes.c.season_number,
            episodes.c.episode_number,
            episodes.c.title,
        )
        .where(
            episodes.c.series_id == series_id,
            episodes.c.removed_at.is_(None),
            episodes.c.season_number > 0,
            after,
        )
        .order_by(episodes.c.season_number, episodes.c.episode_number)
        .limit(50)
        .subquery()
    )
    query = (
        sa.select(
            candidates.c.file_id,
            candidates.c.season_number,
            candidates.c.episode_number,
            candidates.c.title,
            wp.c.position_seconds,
            wp.c.duration_seconds,
            wp.c.watched,
        )
        .outerjoin(
            wp,
            sa.and_(wp.c.profile_id == profile.id, wp.c.media_file_id == candidates.c.file_id),
        )
        .where(candidates.c.file_id.is_not(None))
        .order_by(candidates.c.season_number, candidates.c.episode_number)
    )
    for row in (await conn.execute(query)).all():
        if not row.watched:
            return NextEpisode(row[0], row[1], row[2], row[3], row[4], row[5])
    return None


async def continue_watching(db: Database, profile: Profile, limit: int = 20) -> list[TitleCard]:
    """Cards with a progress bar (resume) or a Next Up episode, newest activity first."""
    wp = watch_progress
    query = (
        sa.select(
            owner_title_id().label("title_id"),
            wp.c.media_file_id,
            wp.c.position_seconds,
            wp.c.duration_seconds,
            wp.c.watched,
            episodes.c.season_number,
            episodes.c.episode_number,
            episodes.c.title,
        )
        .select_from(progress_join())
        .where(wp.c.profile_id == profile.id, visible(profile))
        .order_by(wp.c.updated_at.desc(), wp.c.media_file_id.desc())
        .limit(SCAN_ROWS)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
        latest: dict[int, sa.Row] = {}
        for row in rows:  # the newest row of each title decides what the card offers
            latest.setdefault(row.title_id, row)
        picks: dict[int, _Pick] = {}
        for title_id, row in latest.items():
            if len(picks) >= limit:
                break
            if not row.watched and is_started(row.position_seconds, row.duration_seconds):
                fraction = (
                    min(1.0, row.position_seconds / row.duration_seconds)
                    if row.duration_seconds
                    else None
                )
                label = episode_label(row.season_number, row.episode_number, row.title)
                href = resume_href(row.media_file_id, row.position_seconds)
                picks[title_id] = _Pick(fraction, label, href)
            elif row.watched and row.season_number is not None:
                found = await next_episode(
                    conn, profile, title_id, row.season_number, row.episode_number
                )
                if found is None:
                    continue
                picks[title_id] = _Pick(None, f"Next up · {found.label}", found.href)
        cards = await cards_by_ids(conn, profile, list(picks))
    return [
        replace(
            card,
            progress=picks[card.id].progress,
            note=picks[card.id].note,
            play_href=picks[card.id].play_href,
        )
        for card in cards
    ]
