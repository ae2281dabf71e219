"""What a profile may browse: visible titles, capped by a kids profile's maturity rating and
by the libraries an admin allowed its account, and the card every row, list and search result
shows for a title."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import RATINGS, Profile, library_condition
from mediaserver.db.catalog_schema import episodes, images, libraries, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import my_list

TitleKind = Literal["movie", "series"]


@dataclass(frozen=True, slots=True)
class Genre:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class TitleCard:
    id: int
    kind: TitleKind
    title: str
    year: int | None
    maturity_rating: str | None
    # The main file of a movie (first part, not an extra), for the Play link; None for series.
    play_file_id: int | None
    has_poster: bool = False
    in_list: bool = False
    # 0..1 watched of the file the card resumes; None where no progress applies.
    progress: float | None = None
    # A line under the title ("S1:E3 · Next up"), and where its play button goes.
    note: str | None = None
    play_href: str | None = None
    # The poster candidate this profile is shown (a poster test), else the selected poster.
    poster_image_id: int | None = None

    @property
    def poster_url(self) -> str | None:
        if not self.has_poster:
            return None
        chosen = f"?c={self.poster_image_id}" if self.poster_image_id else ""
        return f"/images/titles/{self.id}/poster{chosen}"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "year": self.year,
            "maturity_rating": self.maturity_rating,
            "poster": self.poster_url,
            "in_my_list": self.in_list,
            "progress": None if self.progress is None else round(self.progress, 4),
            "note": self.note,
            "play": self.play_href
            or (f"/watch/{self.play_file_id}" if self.play_file_id else None),
            "href": f"/titles/{self.id}",
        }


def allowed_ratings(profile: Profile | None) -> tuple[str, ...] | None:
    """The ratings a capped profile may see, lowest first; None when there is no cap."""
    if profile is None or profile.max_rating is None:
        return None
    return RATINGS[: RATINGS.index(profile.max_rating) + 1]


def rating_condition(profile: Profile | None) -> sa.ColumnElement[bool]:
    """Titles this profile may see. A capped profile never sees unrated titles."""
    allowed = allowed_ratings(profile)
    return sa.true() if allowed is None else titles.c.maturity_rating.in_(allowed)


def library_allowed(
    profile: Profile | None, column: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """Rows of a library the profile's account may see (an admin may allow only some)."""
    return sa.true() if profile is None else library_condition(profile.user_id, column)


def visible(profile: Profile | None) -> sa.ColumnElement[bool]:
    """Titles shown to this profile anywhere: not removed, within its rating cap and in a
    library its account may see."""
    return sa.and_(
        titles.c.removed_at.is_(None),
        rating_condition(profile),
        library_allowed(profile, titles.c.library_id),
    )


def playable_file() -> tuple[sa.ColumnElement[bool], ...]:
    """A media file that can be played as the feature: scanned fine, present, not an extra."""
    return (
        media_files.c.status == "ok",
        media_files.c.removed_at.is_(None),
        media_files.c.extra_kind.is_(None),
    )


def main_file_column() -> sa.ScalarSelect:
    """The movie's main file (lowest id of its first parts that are not extras)."""
    return (
        sa.select(sa.func.min(media_files.c.id))
        .where(
            media_files.c.title_id == titles.c.id,
            *playable_file(),
            media_files.c.episode_id.is_(None),
            sa.func.coalesce(media_files.c.part, 1) == 1,
        )
        .scalar_subquery()
    )


def selected_art(kind: str) -> sa.Exists:
    """EXISTS the title's own selected image of this kind ("poster", "fanart"), not one of a
    season or an episode; correlated to `titles` in the enclosing query."""
    return (
        sa.select(images.c.id)
        .where(
            images.c.title_id == titles.c.id,
            images.c.kind == kind,
            images.c.is_selected.is_(True),
            images.c.season_id.is_(None),
            images.c.episode_id.is_(None),
        )
        .correlate(titles)
        .exists()
    )


# Built once per profile: building this SELECT (its correlated subqueries and the library
# condition) costs more CPU than running it. Select objects are immutable (every .where/.join
# makes a new one) and a changed profile is a different key, so sharing one is safe.
@functools.lru_cache(maxsize=1024)
def card_select(profile: Profile | None) -> sa.Select:
    """SELECT of TitleCard columns over the titles this profile may see."""
    in_list: sa.ColumnElement[bool] = in_my_list(profile.id) if profile is not None else sa.false()
    return cards_where(in_list, visible(profile))


def in_my_list(profile_id: int | sa.BindParameter[int]) -> sa.Exists:
    """EXISTS the title (correlated to `titles`) in this profile's My List."""
    # An alias: queries over My List itself join `my_list`, which must not correlate here.
    mine = my_list.alias("in_my_list")
    return (
        sa.select(mine.c.title_id)
        .where(mine.c.profile_id == profile_id, mine.c.title_id == titles.c.id)
        .correlate(titles)
        .exists()
    )


def cards_where(in_list: sa.ColumnElement[bool], shown: sa.ColumnElement[bool]) -> sa.Select:
    """SELECT of TitleCard columns (as `card_from_row` reads them) over the titles `shown`."""
    return sa.select(
        titles.c.id,
        titles.c.kind,
        titles.c.title,
        titles.c.year,
        titles.c.maturity_rating,
        main_file_column().label("play_file_id"),
        selected_art("poster").label("has_poster"),
        in_list.label("in_list"),
    ).where(shown)


def card_from_row(r: sa.Row) -> TitleCard:
    """The card from the first columns of a `card_select` row (more may follow)."""
    return TitleCard(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]))


async def fetch_cards(conn: AsyncConnection, query: sa.Select) -> list[TitleCard]:
    return [card_from_row(r) for r in (await conn.execute(query)).all()]


async def library_count(db: Database) -> int:
    async with db.read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(libraries))).scalar_one()


async def recently_added(db: Database, profile: Profile | None, limit: int = 24) -> list[TitleCard]:
    query = card_select(profile).order_by(titles.c.added_at.desc(), titles.c.id.desc()).limit(limit)
    async with db.read() as conn:
        return await fetch_cards(conn, query)


async def may_see_title(
    conn: AsyncConnection, profile: Profile | None, title_id: int, kind: TitleKind | None = None
) -> bool:
    """Whether the title (of this kind, if given) exists for this profile; callers answer 404
    either way, so a kids profile asking for an adult title by URL learns nothing."""
    query = sa.select(titles.c.id).where(titles.c.id == title_id, visible(profile))
    if kind is not None:
        query = query.where(titles.c.kind == kind)
    return await conn.scalar(query) is not None


async def may_watch_file(db: Database, profile: Profile | None, media_file_id: int) -> bool:
    """Whether this profile may play this file: its title is not removed, is within the
    profile's rating cap and in a library its account may see. A capped (kids) profile never
    plays a file without a rated title.

    The caller answers "not found" either way, so a kids profile asking for an adult title by
    URL learns nothing.
    """
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    query = (
        sa.select(titles.c.id, titles.c.removed_at, titles.c.maturity_rating)
        .select_from(media_files)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .outerjoin(titles, titles.c.id == owner)
        .where(
            media_files.c.id == media_file_id, library_allowed(profile, media_files.c.library_id)
        )
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None or row.removed_at is not None:
        return False
    allowed = allowed_ratings(profile)
    return allowed is None or (row.id is not None and row.maturity_rating in allowed)


def episode_main_file() -> sa.ScalarSelect[int]:
    """Correlated subquery: the playable main file of `episodes` (the lowest id; no extras)."""
    return (
        sa.select(sa.func.min(media_files.c.id))
        .where(media_files.c.episode_id == episodes.c.id, *playable_file())
        .scalar_subquery()
    )
