"""The browse JSON API for apps, mirroring the pages: home rows, viewer title details, search,
My List and Watch History. Browser sessions browse as their chosen profile; API keys name one
in the X-Profile-Id header (`accounts.request_profile` reads either). /api/v1/titles is the
admin API, so viewer title details live under /api/v1/catalog/titles.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.catalog import history, mylist, row_sources, rows
from mediaserver.catalog.api_models import (
    CatalogTitleOut,
    HistoryClearedOut,
    HistoryOut,
    HistoryQuery,
    HomeOut,
    MyListBody,
    MyListChangeOut,
    MyListOut,
    SearchOut,
    SearchQuery,
    SeasonOut,
)
from mediaserver.catalog.poster_choice import with_posters
from mediaserver.catalog.search import search_titles
from mediaserver.catalog.search_filters import parse_filters
from mediaserver.catalog.title_page import season_episodes, title_details
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/api/v1/home", name="api_home")
@access("profile")
@api(response=HomeOut)
async def api_home(request: web.Request) -> web.Response:
    """The home page's featured title and its rows.

    Continue Watching, Recently Added, My List, Because You Watched and one row per genre.
    """
    db = request.app[db_key]
    profile = request_profile(request)
    found = await row_sources.filled_home_rows(request.app, profile)
    hero = await rows.featured(db, profile) if found else None
    return web.json_response(
        {"featured": hero.as_json() if hero else None, "rows": [r.as_json() for r in found]}
    )


@routes.get("/api/v1/catalog/titles/{title_id}", name="api_catalog_title")
@access("profile")
@api(response=CatalogTitleOut)
async def api_title(request: web.Request) -> web.Response:
    """A title as the viewer sees it.

    Details, languages, cast, seasons and the Play / Resume offer; 404 for a title beyond the
    profile's rating.
    """
    profile = request_profile(request, required=False)
    details = await title_details(request.app[db_key], profile, int_path(request, "title_id"))
    return web.json_response(details.as_json())


@routes.get("/api/v1/catalog/titles/{title_id}/seasons/{season}", name="api_catalog_season")
@access("profile")
@api(response=SeasonOut)
async def api_season(request: web.Request) -> web.Response:
    """One season's episodes with this profile's progress."""
    profile = request_profile(request, required=False)
    raw = request.match_info["season"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        raise NotFound("No such season.")
    found = await season_episodes(
        request.app[db_key], profile, int_path(request, "title_id"), int(raw)
    )
    if not found:
        raise NotFound("No such season.")
    return web.json_response({"episodes": [e.as_json() for e in found]})


@routes.get("/api/v1/search", name="api_search")
@access("profile")
@api(query=SearchQuery, response=SearchOut)
async def api_search(request: web.Request) -> web.Response:
    """Search titles with the filters of the /search page.

    q, type, genre, year_from, year_to, runtime_min, runtime_max (minutes), audio, subtitles
    (language codes), rating (repeatable), watched (yes/no), min_stars (1-5: average rating at
    least), tag (an accepted tag: slow-burn), sort (relevance, title, year, added, stars), page.
    A bad value is a 400 that names it; `next` is the URL of the next page. `q` matches inside
    words of titles, years, people, episode names and descriptions and forgives one typo
    (`corrections` says how a word was also read); words under three letters match only the
    starts of title words (`word_starts_only`).
    """
    profile = request_profile(request, required=False)
    filters = parse_filters(request.query)
    found = await search_titles(request.app[db_key], profile, filters)
    more = found.more
    cards = await with_posters(request.app, profile, found.cards) if profile else found.cards
    return web.json_response(
        {
            "filters": filters.as_json(),
            "url": filters.url(),
            "titles": [c.as_json() for c in cards],
            "next": filters.with_page(filters.page + 1).url("/api/v1/search") if more else None,
            "corrections": found.corrections,
            "word_starts_only": found.short,
        }
    )


@routes.get("/api/v1/my-list", name="api_my_list")
@access("profile")
@api(response=MyListOut)
async def api_my_list(request: web.Request) -> web.Response:
    """This profile's My List, newest addition first."""
    profile = request_profile(request)
    cards = await with_posters(
        request.app, profile, await mylist.cards(request.app[db_key], profile)
    )
    return web.json_response({"titles": [c.as_json() for c in cards]})


async def _body_title_id(request: web.Request) -> int:
    data = await read_input(request)
    value = data.get("title_id")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise BadRequest('Send the title as {"title_id": <number>}.', field="title_id")
    return value


@routes.put("/api/v1/my-list/{title_id}", name="api_my_list_put")
@access("profile")
@api(response=MyListChangeOut)
async def api_my_list_put(request: web.Request) -> web.Response:
    """Add a title to My List (idempotent); 404 for a title the profile may not see."""
    profile = request_profile(request)
    title_id = int_path(request, "title_id")
    await mylist.add(request.app[db_key], profile, title_id)
    return web.json_response({"title_id": title_id, "in_my_list": True})


@routes.post("/api/v1/my-list", name="api_my_list_post")
@access("profile")
@api(body=MyListBody, response=MyListChangeOut, status=201)
async def api_my_list_post(request: web.Request) -> web.Response:
    """Add the title named by {"title_id": n} to My List (idempotent)."""
    profile = request_profile(request)
    title_id = await _body_title_id(request)
    await mylist.add(request.app[db_key], profile, title_id)
    return web.json_response({"title_id": title_id, "in_my_list": True}, status=201)


@routes.delete("/api/v1/my-list/{title_id}", name="api_my_list_delete")
@access("profile")
@api(response=None, status=204)
async def api_my_list_delete(request: web.Request) -> web.Response:
    """Remove a title from My List (idempotent)."""
    profile = request_profile(request)
    await mylist.remove(request.app[db_key], profile, int_path(request, "title_id"))
    return web.Response(status=204)


@routes.get("/api/v1/history", name="api_history")
@access("profile")
@api(query=HistoryQuery, response=HistoryOut)
async def api_history(request: web.Request) -> web.Response:
    """This profile's Watch History, newest first; ?before=<updated_at> pages on."""
    profile = request_profile(request)
    before = history.parse_before(request.query.get("before"))
    found = await history.entries(request.app[db_key], profile, before=before)
    return web.json_response({"entries": [e.as_json() for e in found]})


@routes.delete("/api/v1/history/{media_file_id}", name="api_history_delete")
@access("profile")
@api(response=None, status=204)
async def api_history_delete(request: web.Request) -> web.Response:
    """Remove one entry (a media file) from this profile's history."""
    profile = request_profile(request)
    await history.remove(request.app[db_key], profile, int_path(request, "media_file_id"))
    return web.Response(status=204)


@routes.delete("/api/v1/history", name="api_history_clear")
@access("profile")
@api(response=HistoryClearedOut)
async def api_history_clear(request: web.Request) -> web.Response:
    """Clear this profile's whole Watch History."""
    profile = request_profile(request)
    removed = await history.clear(request.app[db_key], profile)
    return web.json_response({"removed": removed})
