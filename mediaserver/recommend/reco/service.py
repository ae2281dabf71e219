"""Serving: the home rows (Top picks, Because you watched X, Trending now, New for you), More
like this and Watch next, each read from the precomputed lists by key on one connection and
narrowed to what the profile may see (the catalog's cards leave out anything over its cap or
outside its libraries)."""

from __future__ import annotations

import asyncio
import functools

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import (
    Row,
    TitleCard,
    cards_by_ids,
    prepare_ranked_cards,
    profile_params,
    ranked_cards,
    shared_visible,
)
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.keys import db_key
from mediaserver.recommend.reco import content, signals, store

ROW = 20
FETCH = 60  # read more than a row holds: some may be hidden from this profile since the run
SIMILAR = 12
ROW_KEYS = ("reco-top", "reco-because", "reco-trending", "reco-new")
START_HREF = "/recommendations/start"


async def top_picks(
    conn: AsyncConnection, profile: Profile, limit: int = ROW
) -> tuple[list[TitleCard], bool]:
    """Top picks with why each is there; and whether they are personal (False: popular within
    the profile's cap, for a profile with nothing to go on yet)."""
    who = {store.PROFILE: profile.id}
    # The list carries each pick's note ("Because you watched X"): one statement for the row.
    found = await ranked_cards(conn, profile, store.picks_ranking("top"), limit, who)
    if not found:
        found = await ranked_cards(conn, profile, store.trending_ranking(), limit, who)
    return found, any(c.note for c in found)


async def last_watched(conn: AsyncConnection, profile: Profile) -> tuple[int, str] | None:
    """The title this profile played most recently (the series of an episode)."""
    query = _last_watched_query(profile.max_rating is not None)
    params = profile_params(profile) | {store.PROFILE: profile.id}
    row = (await conn.execute(query, params)).first()
    return (row[0], row[1]) if row else None


@functools.cache
def _last_watched_query(capped: bool) -> sa.Select:
    """Built once per server for every profile (capped or not): its values are parameters."""
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    return (
        sa.select(titles.c.id, titles.c.title)
        .select_from(
            watch_progress.join(media_files, media_files.c.id == watch_progress.c.media_file_id)
            .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
            .join(titles, titles.c.id == owner)
        )
        .where(
            watch_progress.c.profile_id == sa.bindparam(store.PROFILE, type_=sa.Integer),
            shared_visible(capped),
        )
        .order_by(watch_progress.c.updated_at.desc())
        .limit(1)
    )


async def similar_ids(db: Database, profile: Profile | None, title_id: int) -> list[int]:
    """The precomputed list, or for a title added since the last run, content similarity now."""
    async with db.read() as conn:
        found = await store.similar(conn, profile.id if profile else None, title_id, FETCH)
        if found:
            return found
        metas = await signals.load_titles(conn)
    dismissed = set(await store.not_interested(db, profile.id)) if profile else set()
    ids = [m.id for m in metas]
    if title_id not in ids:
        return []
    # CPU work in a thread: a server that was never trained still answers More like this.
    matrix = await asyncio.to_thread(content.term_matrix, [m.terms for m in metas])
    near = await asyncio.to_thread(content.similar_to, matrix, ids.index(title_id), FETCH)
    return [ids[i] for i, _ in near if ids[i] not in dismissed]


async def similar_cards(
    db: Database, profile: Profile, title_id: int, limit: int = SIMILAR
) -> list[TitleCard]:
    ids = await similar_ids(db, profile, title_id)
    async with db.read() as conn:
        return (await cards_by_ids(conn, profile, ids))[:limit]


async def watch_next_ids(
    app: web.Application, profile: Profile, title_id: int, limit: int
) -> list[int]:
    """The player's post-play offer: similar titles the profile has not started yet."""
    db = app[db_key]
    ids = await similar_ids(db, profile, title_id)
    async with db.read() as conn:
        started_query = sa.select(watch_progress.c.title_id).where(
            watch_progress.c.profile_id == profile.id
        )
        started = set((await conn.execute(started_query)).scalars())
    return [i for i in ids if i not in started][: limit * 3]


async def prepare_statements(app: web.Application) -> None:
    """Start-up: build the rows' statements (one per kind of profile, capped or not, not one per
    profile) and run each once, so that no visitor after a restart pays for building them."""
    # The same parameter names as serving gives: the compiled form is cached by them too.
    who = {store.PROFILE: 0}
    rankings = ((store.picks_ranking("top"), who), (store.picks_ranking("new"), who),
                (store.trending_ranking(), who),
                (store.similar_ranking(), who | {store.SEED: 0}))  # fmt: skip
    async with app[db_key].read() as conn:
        for ranked, placeholders in rankings:
            await prepare_ranked_cards(conn, ranked, ROW, placeholders)
        for capped in (False, True):
            nobody = Profile(0, 0, "", "blue", capped, "G" if capped else None, False, 0.0)
            await last_watched(conn, nobody)


async def row_keys(app: web.Application, profile: Profile) -> list[str]:
    return list(ROW_KEYS)


async def load_row(app: web.Application, profile: Profile, key: str) -> Row | None:
    """One of this domain's home rows by key; None when it has nothing to show."""
    async with app[db_key].read() as conn:
        return await _row(conn, profile, key)


async def _row(conn: AsyncConnection, profile: Profile, key: str) -> Row | None:
    if key == "reco-top":
        found, personal = await top_picks(conn, profile)
        if not found:
            return None
        if personal:
            return Row(key, f"Top picks for {profile.name}", found, dismissible=True)
        return Row(key, "Popular here", found, START_HREF, link_text="Pick a few you like",
                   dismissible=True)  # fmt: skip
    params = {store.PROFILE: profile.id}
    if key == "reco-because":
        seed = await last_watched(conn, profile)
        if seed is None:
            return None
        heading = f"Because you watched {seed[1]}"
        params[store.SEED] = seed[0]
        ranked = store.similar_ranking()
    elif key == "reco-trending":
        heading = "Trending now"
        ranked = store.trending_ranking()
    elif key == "reco-new":
        heading = "New for you"
        ranked = store.picks_ranking("new")
    else:
        return None
    found = await ranked_cards(conn, profile, ranked, ROW, params)
    return Row(key, heading, found, dismissible=True) if found else None
