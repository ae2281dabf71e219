"""The home page's rows: Continue Watching, Recently Added, My List, Because You Watched X and
one row per genre; and the featured title of the hero.

`row_keys` says which rows the home page has (cheap); `load_row` fills one, so the page can
render the first few and let the rest load as they scroll into view.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog import mylist
from mediaserver.catalog.browse import (
    TitleCard,
    card_from_row,
    card_select,
    fetch_cards,
    recently_added,
    selected_art,
    visible,
)
from mediaserver.catalog.continue_watching import continue_watching
from mediaserver.catalog.history import owner_title_id, progress_join
from mediaserver.catalog.search import stars_order
from mediaserver.db.catalog_schema import genres, images, title_genres, title_people, titles
from mediaserver.db.engine import Database
from mediaserver.db.social_ratings_schema import title_ratings
from mediaserver.db.viewer_schema import watch_progress

ROW_SIZE = 20
MAX_GENRE_ROWS = 30
EAGER_ROWS = 3  # rendered with the page; the others load as they scroll into view
_GENRE_KEY = re.compile(r"genre-([0-9]{1,12})")
FIXED_ROWS = ("continue", "recent", "my-list", "because", "top-rated")


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    heading: str
    cards: list[TitleCard]
    href: str | None = None  # "see all" (a genre page, My List)
    empty_hint: str | None = None
    link_text: str = "See all"  # what the heading's link says
    dismissible: bool = False  # cards offer "Not interested" (rows of recommendations)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "heading": self.heading,
            "href": self.href,
            "titles": [c.as_json() for c in self.cards],
        }


@dataclass(frozen=True, slots=True)
class Featured:
    card: TitleCard
    description: str
    tagline: str | None
    has_backdrop: bool
    genres: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return self.card.as_json() | {"description": self.description, "genres": self.genres}


def is_row_key(key: str) -> bool:
    return key in FIXED_ROWS or _GENRE_KEY.fullmatch(key) is not None


async def genre_row_keys(db: Database, profile: Profile, limit: int = MAX_GENRE_ROWS) -> list[str]:
    """Genres with titles this profile may see, the biggest first."""
    count = sa.func.count(title_genres.c.title_id)
    query = (
        sa.select(genres.c.id)
        .join(title_genres, title_genres.c.genre_id == genres.c.id)
        .join(titles, titles.c.id == title_genres.c.title_id)
        .where(visible(profile))
        .group_by(genres.c.id, genres.c.name)
        .order_by(count.desc(), genres.c.name)
        .limit(limit)
    )
    async with db.read() as conn:
        return [f"genre-{gid}" for gid in (await conn.execute(query)).scalars()]


async def row_keys(db: Database, profile: Profile) -> list[str]:
    return [*FIXED_ROWS, *await genre_row_keys(db, profile)]


async def genre_cards(
    db: Database, profile: Profile | None, genre_id: int, limit: int = ROW_SIZE, offset: int = 0
) -> list[TitleCard]:
    query = (
        card_select(profile)
        .join(title_genres, title_genres.c.title_id == titles.c.id)
        .where(title_genres.c.genre_id == genre_id)
        .order_by(titles.c.added_at.desc(), titles.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    async with db.read() as conn:
        return await fetch_cards(conn, query)


async def genre_name(db: Database, genre_id: int) -> str | None:
    async with db.read() as conn:
        return await conn.scalar(sa.select(genres.c.name).where(genres.c.id == genre_id))


async def last_watched(db: Database, profile: Profile) -> tuple[int, str] | None:
    """(id, name) of the title this profile watched most recently."""
    query = (
        sa.select(titles.c.id, titles.c.title)
        .select_from(progress_join())
        .where(watch_progress.c.profile_id == profile.id, visible(profile))
        .order_by(watch_progress.c.updated_at.desc())
        .limit(1)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    return (row[0], row[1]) if row else None


async def because_you_watched(db: Database, profile: Profile) -> Row | None:
    """Titles sharing genres or cast with the last title watched, most in common first.

    A shared person counts twice a shared genre: cast is the rarer, stronger signal.
    """
    seed = await last_watched(db, profile)
    if seed is None:
        return None
    seed_id, seed_name = seed
    other_genres = title_genres.alias("seed_genres")
    by_genre = sa.select(title_genres.c.title_id.label("tid"), sa.literal(1).label("w")).join(
        other_genres,
        sa.and_(
            other_genres.c.genre_id == title_genres.c.genre_id, other_genres.c.title_id == seed_id
        ),
    )
    other_people = title_people.alias("seed_people")
    by_person = (
        sa.select(title_people.c.title_id.label("tid"), sa.literal(2).label("w"))
        .join(
            other_people,
            sa.and_(
                other_people.c.person_id == title_people.c.person_id,
                other_people.c.title_id == seed_id,
            ),
        )
        .distinct()
    )
    shared = sa.union_all(by_genre, by_person).subquery()
    score = sa.select(shared.c.tid, sa.func.sum(shared.c.w).label("score")).group_by(shared.c.tid)
    scored = score.subquery()
    watched_titles = (
        sa.select(owner_title_id())
        .select_from(progress_join())
        .where(watch_progress.c.profile_id == profile.id)
    )
    query = (
        card_select(profile)
        .join(scored, scored.c.tid == titles.c.id)
        .where(titles.c.id != seed_id, titles.c.id.not_in(watched_titles))
        .order_by(scored.c.score.desc(), titles.c.added_at.desc(), titles.c.id.desc())
        .limit(ROW_SIZE)
    )
    async with db.read() as conn:
        cards = await fetch_cards(conn, query)
    if not cards:
        return None
    return Row("because", f"Because you watched {seed_name}", cards)


async def top_rated(db: Database, profile: Profile | None) -> list[TitleCard]:
    """Titles the server's profiles rated highest (by average, then by how many rated them)."""
    query = (
        card_select(profile)
        .where(sa.select(title_ratings.c.title_id)
               .where(title_ratings.c.title_id == titles.c.id, title_ratings.c.count > 0)
               .exists())
        .order_by(*stars_order())
        .limit(ROW_SIZE)
    )  # fmt: skip
    async with db.read() as conn:
        return await fetch_cards(conn, query)


async def load_row(db: Database, profile: Profile, key: str) -> Row | None:
    """One row by key, or None when it has nothing to show (the page leaves it out)."""
    if key == "continue":
        cards = await continue_watching(db, profile)
        return Row(key, "Continue watching", cards) if cards else None
    if key == "recent":
        cards = await recently_added(db, profile, ROW_SIZE)
        return Row(key, "Recently added", cards) if cards else None
    if key == "my-list":
        cards = await mylist.cards(db, profile, ROW_SIZE)
        return Row(key, "My List", cards, href="/my-list") if cards else None
    if key == "because":
        return await because_you_watched(db, profile)
    if key == "top-rated":
        cards = await top_rated(db, profile)
        return Row(key, "Top rated here", cards, href="/search?sort=stars") if cards else None
    match = _GENRE_KEY.fullmatch(key)
    if match is None:
        return None
    genre_id = int(match.group(1))
    name = await genre_name(db, genre_id)
    if name is None:
        return None
    cards = await genre_cards(db, profile, genre_id)
    return Row(key, name, cards, href=f"/genres/{genre_id}") if cards else None


async def filled_rows(db: Database, profile: Profile) -> list[Row]:
    """Every home row that has something to show, in the page's order."""
    found = []
    for key in await row_keys(db, profile):
        row = await load_row(db, profile, key)
        if row is not None:
            found.append(row)
    return found


async def featured(db: Database, profile: Profile) -> Featured | None:
    """The hero: one of the newest titles with artwork and a synopsis, a different one each day
    (stable within a day, so the page does not jump between visits)."""
    has_art = (
        sa.select(images.c.id)
        .where(
            images.c.title_id == titles.c.id,
            images.c.kind.in_(("fanart", "poster")),
            images.c.season_id.is_(None),
            images.c.episode_id.is_(None),
        )
        .exists()
    )
    has_backdrop = selected_art("fanart")
    base = card_select(profile).add_columns(
        titles.c.description, titles.c.tagline, has_backdrop.label("has_backdrop")
    )
    async with db.read() as conn:
        rows = []
        for condition in (sa.and_(has_art, titles.c.description != ""), sa.true()):
            query = base.where(condition).order_by(titles.c.added_at.desc(), titles.c.id.desc())
            rows = (await conn.execute(query.limit(5))).all()
            if rows:
                break
        if not rows:
            return None
        row = rows[int(time.time() // 86400) % len(rows)]
        names = (
            await conn.execute(
                sa.select(genres.c.name)
                .join(title_genres, title_genres.c.genre_id == genres.c.id)
                .where(title_genres.c.title_id == row[0])
                .order_by(genres.c.name)
                .limit(3)
            )
        ).scalars()
        genre_names = list(names)
    return Featured(card_from_row(row), row[8] or "", row[9], bool(row[10]), genre_names)
