"""Running a search: full-text match (db/search.py) combined with the filters, scoped to what
the profile may see, in the order asked for."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import (
    Genre,
    TitleCard,
    card_select,
    fetch_cards,
    playable_file,
    visible,
)
from mediaserver.catalog.languages import (
    Language,
    codes_for,
    has_language,
    language_list,
    raw_codes,
)
from mediaserver.catalog.search_filters import SearchFilters
from mediaserver.db.catalog_schema import genres, media_files, title_genres, titles
from mediaserver.db.engine import Database
from mediaserver.db.search import find, id_ranking, search_terms
from mediaserver.db.social_ratings_schema import title_ratings
from mediaserver.db.tagging_schema import title_tags
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.errors import BadRequest

PAGE_SIZE = 60
# Full-text candidates considered before filtering; filters then narrow these down.
MAX_MATCHES = 1000
TAGGED_RANK = MAX_MATCHES + 1  # titles found by their tag come after every index match


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """One page of results and what the page says about how they were found."""

    cards: list[TitleCard]
    more: bool
    corrections: dict[str, str]  # typed word -> the words it was also read as
    short: bool  # the words were too short to search inside titles: word starts only


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """What the search page's menus offer."""

    genres: list[Genre]  # genres with titles the profile may see
    audio: list[Language]
    subtitles: list[Language]


def _playable(owner: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(owner, *playable_file())


def runtime_column() -> sa.ScalarSelect:
    """A title's runtime: its own, else the average of its files (a movie's file, or a
    series' episodes: what "how long is one sitting" means for a show)."""
    files = (
        sa.select(sa.func.avg(media_files.c.duration_seconds))
        .where(_playable(media_files.c.title_id == titles.c.id))
        .scalar_subquery()
    )
    return sa.func.coalesce(titles.c.runtime_seconds, files)


def watched_condition(profile: Profile) -> sa.ColumnElement[bool]:
    """The profile finished every playable file of the title (a movie, or all episodes)."""
    wp = watch_progress
    finished = sa.and_(
        wp.c.profile_id == profile.id, wp.c.media_file_id == media_files.c.id, wp.c.watched
    )
    any_finished = (
        sa.select(media_files.c.id)
        .join(wp, finished)
        .where(_playable(media_files.c.title_id == titles.c.id))
        .exists()
    )
    unfinished = (
        sa.select(media_files.c.id)
        .where(
            _playable(media_files.c.title_id == titles.c.id),
            ~sa.select(wp.c.media_file_id).where(finished).exists(),
        )
        .exists()
    )
    return sa.and_(any_finished, ~unfinished)


def stars_order() -> list[sa.ColumnElement]:
    """Highest average rating first (the social layer keeps `title_ratings`), then most rated;
    unrated titles last."""
    agg = title_ratings.c
    mine = sa.and_(agg.title_id == titles.c.id, agg.count > 0)
    average = sa.select(sa.cast(agg.total, sa.Float) / agg.count).where(mine).scalar_subquery()
    count = sa.select(agg.count).where(mine).scalar_subquery()
    return [average.desc().nulls_last(), count.desc().nulls_last(), titles.c.sort_title]


def accepted_tag(tag: str) -> sa.Exists:
    """The title carries this tag, accepted by an admin (the recommend domain suggests them)."""
    t = title_tags.c
    return (
        sa.select(t.id)
        .where(t.title_id == titles.c.id, t.tag == tag, t.status == "accepted")
        .exists()
    )


def with_tagged(ranking: sa.Subquery, q: str) -> sa.Subquery:
    """The index's ranking, then the titles whose accepted tag is the typed text ("slow burn"
    finds "slow-burn") that the index did not find, in the same statement."""
    tag = "-".join(search_terms(q))[:40]
    t = title_tags.c
    tagged = sa.select(t.title_id, sa.literal(TAGGED_RANK).label("rank")).where(
        t.tag == tag, t.status == "accepted"
    )
    found = sa.union_all(sa.select(ranking.c.title_id, ranking.c.rank), tagged).subquery("found")
    return (
        sa.select(found.c.title_id, sa.func.min(found.c.rank).label("rank"))
        .group_by(found.c.title_id)
        .subquery("ranked")
    )


async def run_search(
    db: Database, profile: Profile | None, f: SearchFilters, limit: int = PAGE_SIZE
) -> tuple[list[TitleCard], bool]:
    """One page of results, and whether there are more after it."""
    outcome = await search_titles(db, profile, f, limit)
    return outcome.cards, outcome.more


async def search_titles(
    db: Database, profile: Profile | None, f: SearchFilters, limit: int = PAGE_SIZE
) -> SearchOutcome:
    """One page of results with the typo corrections made and whether the query was short."""
    offset = (f.page - 1) * limit
    query = card_select(profile)
    if f.type:
        query = query.where(titles.c.kind == f.type)
    if f.genre is not None:
        query = query.where(
            sa.select(title_genres.c.title_id)
            .where(title_genres.c.title_id == titles.c.id, title_genres.c.genre_id == f.genre)
            .exists()
        )
    if f.year_from is not None:
        query = query.where(titles.c.year >= f.year_from)
    if f.year_to is not None:
        query = query.where(titles.c.year <= f.year_to)
    if f.runtime_min is not None:
        query = query.where(runtime_column() >= f.runtime_min * 60)
    if f.runtime_max is not None:
        query = query.where(runtime_column() <= f.runtime_max * 60 + 59)
    if f.rating:
        query = query.where(titles.c.maturity_rating.in_(f.rating))
    if f.watched is not None:
        if profile is None:
            raise BadRequest("The watched filter needs a profile.", field="watched")
        cond = watched_condition(profile)
        query = query.where(cond if f.watched == "yes" else ~cond)
    if f.min_stars is not None:
        query = query.where(
            sa.select(title_ratings.c.title_id).where(
                title_ratings.c.title_id == titles.c.id, title_ratings.c.count > 0,
                title_ratings.c.total >= title_ratings.c.count * f.min_stars * 2,
            ).exists()
        )  # fmt: skip
    if f.tag is not None:
        query = query.where(accepted_tag(f.tag))
    ranking: sa.Subquery | None = None
    fixes: dict[str, str] = {}
    short = False
    async with db.read() as conn:
        for kind, tag in (("audio", f.audio), ("subtitle", f.subtitles)):
            if tag:
                codes = await codes_for(conn, kind, tag)
                query = query.where(
                    has_language(kind, codes or [tag], media_files.c.title_id == titles.c.id)
                )
        if search_terms(f.q):
            matches = await find(conn, f.q, MAX_MATCHES)
            fixes, short = matches.corrections, matches.short
            ranking = with_tagged(id_ranking(conn.dialect.name, matches.ids), f.q)
            query = query.join(ranking, ranking.c.title_id == titles.c.id)
        if ranking is not None and f.sort == "relevance":
            cards = await fetch_cards(conn, _ranked_page(profile, query, ranking, limit, offset))
            return SearchOutcome(cards[:limit], len(cards) > limit, fixes, short)
        if f.sort == "title":
            query = query.order_by(titles.c.sort_title, titles.c.id)
        elif f.sort == "year":
            query = query.order_by(titles.c.year.desc().nulls_last(), titles.c.sort_title)
        elif f.sort == "stars":
            query = query.order_by(*stars_order())
        else:  # "added", and "relevance" without words to rank by
            query = query.order_by(titles.c.added_at.desc(), titles.c.id.desc())
        cards = await fetch_cards(conn, query.limit(limit + 1).offset(offset))
    return SearchOutcome(cards[:limit], len(cards) > limit, fixes, short)


def _ranked_page(
    profile: Profile | None, query: sa.Select, ranking: sa.Subquery, limit: int, offset: int
) -> sa.Select:
    """Cards of one page of the filtered ranked titles, in the index's order, as one statement:
    the inner query pages the ids that pass the filters, so the cards' columns (artwork, list,
    main file) are computed for the page shown, not for every candidate."""
    page = (
        query.with_only_columns(titles.c.id, ranking.c.rank)
        .order_by(ranking.c.rank, titles.c.id)
        .limit(limit + 1)
        .offset(offset)
        .subquery("page")
    )
    return (
        card_select(profile).join(page, page.c.id == titles.c.id).order_by(page.c.rank, titles.c.id)
    )


async def filter_options(db: Database, profile: Profile | None) -> FilterOptions:
    """What the filter menus offer: genres with visible titles, languages present."""
    async with db.read() as conn:
        genre_rows = await conn.execute(
            sa.select(genres.c.id, genres.c.name)
            .join(title_genres, title_genres.c.genre_id == genres.c.id)
            .join(titles, titles.c.id == title_genres.c.title_id)
            .where(visible(profile))
            .group_by(genres.c.id, genres.c.name)
            .order_by(genres.c.name)
        )
        genre_list = [Genre(g[0], g[1]) for g in genre_rows]
        audio = language_list(await raw_codes(conn, "audio"))
        subtitles = language_list(await raw_codes(conn, "subtitle"))
    return FilterOptions(genre_list, audio, subtitles)
