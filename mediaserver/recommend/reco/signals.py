"""What the training job reads: every profile's signals per title (plays and how far they got,
My List, ratings, reviews, onboarding likes, searches that led to a play, "not interested"),
each title's metadata terms, and the profiles with the titles each may see (kids cap and
library access, applied before ranking)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import (
    episodes,
    genres,
    media_files,
    title_genres,
    title_people,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.providers_schema import title_collections
from mediaserver.db.recommend_schema import (
    reco_liked,
    reco_not_interested,
    search_play_attribution,
)
from mediaserver.db.schema import profiles
from mediaserver.db.social_ratings_schema import ratings, reviews
from mediaserver.db.tagging_schema import title_tags
from mediaserver.db.viewer_schema import my_list, plays, watch_progress
from mediaserver.recommend.reco.content import words

DISLIKED = 4  # a rating of two stars or less (in half stars) is a "no", not a signal to follow
DAY = 86400.0
SEARCHED_AND_PLAYED = 1.5  # as strong as an onboarding pick


@dataclass(slots=True)
class TitleSignal:
    """What one profile did with one title."""

    strength: float = 0.0
    last_at: float = 0.0
    finished: bool = False
    play_days: set[int] = field(default_factory=set)
    disliked: bool = False

    def add(self, strength: float, at: float) -> None:
        self.strength += strength
        self.last_at = max(self.last_at, at)


@dataclass(slots=True)
class ProfileSignals:
    profile: Profile
    titles: dict[int, TitleSignal] = field(default_factory=dict)
    not_interested: set[int] = field(default_factory=set)

    def signal(self, title_id: int) -> TitleSignal:
        return self.titles.setdefault(title_id, TitleSignal())

    def history(self) -> list[int]:
        """Titles followed as liked, oldest first."""
        liked = [
            (s.last_at, t) for t, s in self.titles.items() if s.strength > 0 and not s.disliked
        ]
        return [t for _, t in sorted(liked)]

    def rewatches(self) -> bool:
        """Whether watching a title again on another day is this profile's habit."""
        played = [s for s in self.titles.values() if s.play_days]
        again = sum(1 for s in played if len(s.play_days) >= 2)
        return again >= 2 and again >= 0.25 * len(played)


async def load_profiles(conn: AsyncConnection) -> list[Profile]:
    rows = await conn.execute(sa.select(profiles).order_by(profiles.c.id))
    return [
        Profile(
            r.id, r.user_id, r.name, r.avatar, bool(r.is_kids), r.max_rating,
            r.pin_hash is not None, r.created_at,
        )
        for r in rows
    ]  # fmt: skip


async def visible_titles(conn: AsyncConnection, profile: Profile) -> list[int]:
    query = sa.select(titles.c.id).where(title_visible(profile))
    return list((await conn.execute(query)).scalars())


def _owner() -> sa.ColumnElement[int]:
    return sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)


def _file_join(table: sa.Table) -> sa.FromClause:
    return table.join(media_files, media_files.c.id == table.c.media_file_id).outerjoin(
        episodes, episodes.c.id == media_files.c.episode_id
    )


async def load_signals(conn: AsyncConnection, found: list[Profile]) -> list[ProfileSignals]:
    by_id = {p.id: ProfileSignals(p) for p in found}
    progress = sa.select(
        watch_progress.c.profile_id, _owner(), watch_progress.c.position_seconds,
        watch_progress.c.duration_seconds, watch_progress.c.watched, watch_progress.c.updated_at,
    ).select_from(_file_join(watch_progress))  # fmt: skip
    for pid, tid, pos, dur, watched, at in await conn.execute(progress):
        if pid in by_id and tid is not None:
            done = 1.0 if watched else min(1.0, pos / dur) if dur else 0.0
            s = by_id[pid].signal(tid)
            s.add(0.5 + done, at)
            s.finished = s.finished or bool(watched)
    started = sa.select(plays.c.profile_id, _owner(), plays.c.started_at).select_from(
        _file_join(plays)
    )
    for pid, tid, at in await conn.execute(started):
        if pid in by_id and tid is not None:
            s = by_id[pid].signal(tid)
            s.add(0.25, at)
            s.play_days.add(int(at // DAY))
    simple = (
        (my_list.c.profile_id, my_list.c.title_id, my_list.c.added_at, 0.5),
        (reviews.c.profile_id, reviews.c.title_id, reviews.c.created_at, 0.5),
        (reco_liked.c.profile_id, reco_liked.c.title_id, reco_liked.c.created_at, 1.5),
    )
    for pid_col, tid_col, at_col, strength in simple:
        for pid, tid, at in await conn.execute(sa.select(pid_col, tid_col, at_col)):
            if pid in by_id:
                by_id[pid].signal(tid).add(strength, at)
    rated = sa.select(
        ratings.c.profile_id, ratings.c.title_id, ratings.c.value, ratings.c.updated_at
    )
    for pid, tid, value, at in await conn.execute(rated):
        if pid in by_id:
            s = by_id[pid].signal(tid)
            s.add(max(0.0, (value - DISLIKED) / 3), at)
            s.disliked = s.disliked or value <= DISLIKED
    # A title opened from a search and played soon after was sought out: a strong positive.
    searched = sa.select(
        search_play_attribution.c.profile_id, search_play_attribution.c.title_id,
        search_play_attribution.c.played_at,
    ).where(search_play_attribution.c.played_at.is_not(None))  # fmt: skip
    for pid, tid, at in await conn.execute(searched):
        if pid in by_id:
            by_id[pid].signal(tid).add(SEARCHED_AND_PLAYED, at)
    no = sa.select(reco_not_interested.c.profile_id, reco_not_interested.c.title_id)
    for pid, tid in await conn.execute(no):
        if pid in by_id:
            by_id[pid].not_interested.add(tid)
    return list(by_id.values())


@dataclass(frozen=True, slots=True)
class TitleMeta:
    id: int
    added_at: float
    terms: list[str]
    year: int | None = None


async def load_titles(conn: AsyncConnection) -> list[TitleMeta]:
    """Every title still present, with its metadata as fielded terms for content similarity."""
    terms: dict[int, list[str]] = defaultdict(list)
    added: dict[int, float] = {}
    released: dict[int, int] = {}
    query = sa.select(
        titles.c.id,
        titles.c.added_at,
        titles.c.year,
        titles.c.title,
        titles.c.description,
        titles.c.tagline,
    ).where(titles.c.removed_at.is_(None))
    for tid, at, year, name, description, tagline in await conn.execute(query):
        added[tid] = at
        if year:
            released[tid] = year
            terms[tid].append(f"decade:{year // 10 * 10}")
        # Title words find a franchise that no collection groups ("Shrek", "Shrek the Third").
        terms[tid] += [f"title:{w}" for w in words(name)]
        terms[tid] += [f"word:{w}" for w in words(f"{description} {tagline or ''}")]
    names = sa.select(title_genres.c.title_id, genres.c.name).join(
        genres, genres.c.id == title_genres.c.genre_id
    )
    for tid, name in await conn.execute(names):
        terms[tid].append(f"genre:{name.lower()}")
    people = sa.select(title_people.c.title_id, title_people.c.person_id, title_people.c.role)
    for tid, person, role in await conn.execute(people):
        terms[tid].append(f"{'cast' if role == 'actor' else 'crew'}:{person}")
    tagged = sa.select(title_tags.c.title_id, title_tags.c.tag).where(
        title_tags.c.status == "accepted"
    )
    for tid, tag in await conn.execute(tagged):
        # The tag itself, and its words ("dark comedy" also matches "comedy").
        terms[tid] += [f"keyword:{tag}", *(f"keyword:{w}" for w in words(tag) if w != tag)]
    sets = sa.select(title_collections.c.title_id, title_collections.c.collection_id)
    for tid, collection in await conn.execute(sets):
        terms[tid].append(f"collection:{collection}")
    return [
        TitleMeta(tid, at, terms.get(tid, []), released.get(tid))
        for tid, at in sorted(added.items())
    ]


async def any_signal(db: Database) -> bool:
    """Whether any profile has played, listed, rated or picked anything yet."""
    async with db.read() as conn:
        for table in (watch_progress, my_list, ratings, reco_liked):
            if await conn.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)):
                return True
    return False


async def recent_plays(conn: AsyncConnection, since: float) -> list[tuple[int, float]]:
    """(title id, started at) of every play since `since`, for Trending now."""
    query = (
        sa.select(_owner(), plays.c.started_at)
        .select_from(_file_join(plays))
        .where(plays.c.started_at >= since)
    )
    return [(tid, at) for tid, at in await conn.execute(query) if tid is not None]
