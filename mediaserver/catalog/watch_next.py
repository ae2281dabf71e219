"""What the player offers when a movie ends: a few titles to watch next.

Higher domains (recommendations) register a source with `register_watch_next_source`; its
titles come first. The catalog fills the rest itself: titles sharing the most genres with the
one just watched, then the most recently added, always within what the profile may see (its
rating cap and libraries).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import Profile, request_profile
from mediaserver.catalog.api_models import WatchNextOut
from mediaserver.catalog.browse import TitleCard, card_select, fetch_cards, may_watch_file
from mediaserver.catalog.card_queries import cards_by_ids
from mediaserver.catalog.progress import file_heading
from mediaserver.db.catalog_schema import title_genres, titles
from mediaserver.errors import NotFound
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key

WATCH_NEXT = 6
# Title ids to offer after `title_id`, best first (the catalog drops what the profile may not see).
WatchNextSource = Callable[[web.Application, Profile, int, int], Awaitable[list[int]]]
watch_next_sources_key = web.AppKey("catalog_watch_next_sources", list[WatchNextSource])

routes = web.RouteTableDef()


def register_watch_next_source(app: web.Application, source: WatchNextSource) -> None:
    """Offer these titles first on the player's post-play screen."""
    app.setdefault(watch_next_sources_key, []).append(source)


async def watch_next(
    app: web.Application, profile: Profile, title_id: int, limit: int = WATCH_NEXT
) -> list[TitleCard]:
    """Up to `limit` titles to offer after this one, never itself."""
    offered: list[int] = []
    for source in app.get(watch_next_sources_key, []):
        offered += [i for i in await source(app, profile, title_id, limit) if i != title_id]
    async with app[db_key].read() as conn:
        cards = (await cards_by_ids(conn, profile, list(dict.fromkeys(offered))))[:limit]
        seen = {title_id, *(c.id for c in cards)}
        its_genres = sa.select(title_genres.c.genre_id).where(title_genres.c.title_id == title_id)
        shared = (
            sa.select(sa.func.count())
            .select_from(title_genres)
            .where(title_genres.c.title_id == titles.c.id, title_genres.c.genre_id.in_(its_genres))
            .scalar_subquery()
        )
        for order in ([shared.desc()], []):
            if len(cards) >= limit:
                break
            query = card_select(profile).where(titles.c.id.not_in(seen))
            if order:
                query = query.where(shared > 0)
            query = query.order_by(*order, titles.c.added_at.desc(), titles.c.id.desc())
            more = await fetch_cards(conn, query.limit(limit - len(cards)))
            cards += more
            seen |= {c.id for c in more}
    return cards


@routes.get("/api/v1/watch-next/{media_file_id}", name="api_watch_next")
@access("profile")
@api(response=WatchNextOut)
async def api_watch_next(request: web.Request) -> web.Response:
    """Titles to watch after this file's title (the player's post-play screen)."""
    media_file_id = int_path(request, "media_file_id")
    profile = request_profile(request)
    db = request.app[db_key]
    heading = await file_heading(db, media_file_id)
    if heading is None or not await may_watch_file(db, profile, media_file_id):
        raise NotFound("No such title, or it is not available to this profile.")
    cards = await watch_next(request.app, profile, heading.title_id or 0)
    return web.json_response({"titles": [c.as_json() for c in cards]})
