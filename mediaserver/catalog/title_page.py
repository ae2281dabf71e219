"""What a title page shows: details, languages, cast, the Play / Resume offer; for a series its
seasons and one season's episodes with this profile's progress."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import (
    Genre,
    card_from_row,
    card_select,
    episode_main_file,
    may_see_title,
    selected_art,
)
from mediaserver.catalog.languages import title_languages
from mediaserver.catalog.play_offer import movie_offer, series_offer
from mediaserver.catalog.title_records import CastMember, Episode, SeasonSummary, TitleDetails
from mediaserver.db.catalog_schema import (
    episodes,
    genres,
    images,
    media_files,
    people,
    seasons,
    title_genres,
    title_people,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.errors import NotFound

MAX_CAST = 15


def _selected_image(owner: sa.ColumnElement[bool], kind: str) -> sa.Exists:
    """EXISTS a selected image of this kind of the owner (correlated in the enclosing query)."""
    return (
        sa.select(images.c.id)
        .where(owner, images.c.kind == kind, images.c.is_selected.is_(True))
        .exists()
    )


def _episode_thumb() -> sa.Exists:
    return _selected_image(images.c.episode_id == episodes.c.id, "thumb")


def _season_poster() -> sa.Exists:
    owner = sa.and_(images.c.season_id == seasons.c.id, images.c.episode_id.is_(None))
    return _selected_image(owner, "poster")


async def _season_list(conn: AsyncConnection, series_id: int) -> list[SeasonSummary]:
    count = sa.func.count(episodes.c.id)
    query = (
        sa.select(
            seasons.c.number, seasons.c.title, count, seasons.c.id, _season_poster().label("art")
        )
        .join(episodes, episodes.c.season_id == seasons.c.id)
        .where(
            seasons.c.series_id == series_id,
            seasons.c.removed_at.is_(None),
            episodes.c.removed_at.is_(None),
        )
        .group_by(seasons.c.id, seasons.c.number, seasons.c.title)
        .order_by((seasons.c.number == 0), seasons.c.number)
    )
    return [
        SeasonSummary(
            r[0], r[1] or ("Specials" if r[0] == 0 else f"Season {r[0]}"), r[2], r[3], bool(r[4])
        )
        for r in (await conn.execute(query)).all()
    ]


async def _genres(conn: AsyncConnection, title_id: int) -> list[Genre]:
    query = (
        sa.select(genres.c.id, genres.c.name)
        .join(title_genres, title_genres.c.genre_id == genres.c.id)
        .where(title_genres.c.title_id == title_id)
        .order_by(genres.c.name)
    )
    return [Genre(g[0], g[1]) for g in await conn.execute(query)]


async def _credits(conn: AsyncConnection, title_id: int) -> tuple[list[CastMember], list[str]]:
    """(the first actors with their characters, the directors), in billing order."""
    query = (
        sa.select(people.c.name, title_people.c.role, title_people.c.character)
        .join(people, people.c.id == title_people.c.person_id)
        .where(title_people.c.title_id == title_id)
        .order_by(title_people.c.position, title_people.c.id)
    )
    rows = (await conn.execute(query)).all()
    cast = [CastMember(r[0], r[2]) for r in rows if r[1] == "actor"][:MAX_CAST]
    return cast, [r[0] for r in rows if r[1] == "director"]


async def title_details(db: Database, profile: Profile | None, title_id: int) -> TitleDetails:
    """Everything the title page shows; NotFound for a title this profile may not see."""
    query = card_select(profile).add_columns(
        titles.c.original_title,
        titles.c.description,
        titles.c.tagline,
        titles.c.community_rating,
        titles.c.runtime_seconds,
        selected_art("fanart").label("has_backdrop"),
        selected_art("logo").label("has_logo"),
    )
    async with db.read() as conn:
        row = (await conn.execute(query.where(titles.c.id == title_id))).first()
        if row is None:
            raise NotFound("No such title.")
        card = card_from_row(row)
        genre_list = await _genres(conn, title_id)
        cast, directors = await _credits(conn, title_id)
        runtime = row.runtime_seconds
        if card.kind == "movie":
            offer = await movie_offer(conn, profile, card.play_file_id)
            if runtime is None and card.play_file_id is not None:
                runtime = await conn.scalar(
                    sa.select(media_files.c.duration_seconds).where(
                        media_files.c.id == card.play_file_id
                    )
                )
            season_list: list[SeasonSummary] = []
        else:
            offer = await series_offer(conn, profile, title_id)
            season_list = await _season_list(conn, title_id)
        audio = await title_languages(conn, title_id, "audio")
        subtitles = await title_languages(conn, title_id, "subtitle")
    return TitleDetails(
        card=card,
        original_title=row.original_title if row.original_title != card.title else None,
        description=row.description or "",
        tagline=row.tagline,
        community_rating=row.community_rating,
        runtime_seconds=runtime,
        has_backdrop=bool(row.has_backdrop),
        has_logo=bool(row.has_logo),
        genres=genre_list,
        cast=cast,
        directors=directors,
        audio=audio,
        subtitles=subtitles,
        offer=offer,
        seasons=season_list,
    )


async def season_episodes(
    db: Database, profile: Profile | None, series_id: int, season_number: int
) -> list[Episode]:
    """One season's episodes with this profile's progress; NotFound when the series is hidden."""
    wp = watch_progress
    main_file = episode_main_file().label("file_id")
    inner = (
        sa.select(
            episodes.c.id,
            episodes.c.season_number,
            episodes.c.episode_number,
            episodes.c.episode_number_end,
            episodes.c.title,
            episodes.c.description,
            episodes.c.runtime_seconds.label("runtime"),
            main_file,
            _episode_thumb().label("has_thumb"),
            episodes.c.air_date,
        )
        .where(
            episodes.c.series_id == series_id,
            episodes.c.season_number == season_number,
            episodes.c.removed_at.is_(None),
        )
        .subquery()
    )
    profile_id = profile.id if profile is not None else -1
    query = (
        sa.select(
            inner,
            sa.func.coalesce(inner.c.runtime, media_files.c.duration_seconds),
            wp.c.position_seconds,
            wp.c.duration_seconds,
            wp.c.watched,
        )
        .outerjoin(media_files, media_files.c.id == inner.c.file_id)
        .outerjoin(
            wp, sa.and_(wp.c.media_file_id == inner.c.file_id, wp.c.profile_id == profile_id)
        )
        .order_by(inner.c.episode_number, inner.c.id)
    )
    async with db.read() as conn:
        if not await may_see_title(conn, profile, series_id, "series"):
            raise NotFound("No such title.")
        rows = (await conn.execute(query)).all()
    return [
        Episode(
            id=r[0],
            season_number=r[1],
            number=r[2],
            number_end=r[3],
            title=r[4],
            description=r[5] or "",
            runtime_seconds=r[10],
            media_file_id=r[7],
            has_thumb=bool(r[8]),
            air_date=r[9],
            position=r[11],
            duration=r[12],
            watched=bool(r[13]),
        )
        for r in rows
    ]
