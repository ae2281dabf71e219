"""/search: results update as you type (HTMX); every filter lives in the URL."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import RATINGS, request_profile
from mediaserver.catalog.browse import allowed_ratings
from mediaserver.catalog.pages import is_htmx, page
from mediaserver.catalog.poster_choice import with_posters
from mediaserver.catalog.search import FilterOptions, SearchOutcome, filter_options, search_titles
from mediaserver.catalog.search_filters import KINDS, SORTS, WATCHED, SearchFilters, parse_filters
from mediaserver.errors import BadRequest
from mediaserver.http.auth import access
from mediaserver.keys import db_key

routes = web.RouteTableDef()


async def checked_filters(request: web.Request, options: FilterOptions) -> SearchFilters:
    """Parsed filters; a genre id that names no genre the profile can browse is a bad value."""
    filters = parse_filters(request.query)
    if filters.genre is not None and filters.genre not in {g.id for g in options.genres}:
        raise BadRequest(f"There is no genre with id {filters.genre}.", field="genre")
    return filters


@routes.get("/search", name="search")
@access("profile")
async def search_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    profile = request_profile(request)
    options = await filter_options(db, profile)
    context: dict = {
        "options": options,
        "kinds": KINDS,
        "sorts": SORTS,
        "watched_choices": WATCHED,
        "ratings": allowed_ratings(profile) or RATINGS,
    }
    try:
        filters = await checked_filters(request, options)
    except BadRequest as exc:
        keep = SearchFilters(q=" ".join(request.query.get("q", "")[:200].split()))
        context |= {"f": keep, "error": exc.detail, "cards": [], "searched": True, "more": False}
        context["outcome"] = SearchOutcome([], False, {}, False)
        return page(request, "catalog/search.html", context, block="results", status=400)
    empty = SearchOutcome([], False, {}, False)
    outcome = await search_titles(db, profile, filters) if not filters.is_empty else empty
    context |= {
        "f": filters,
        "error": None,
        "outcome": outcome,
        "cards": await with_posters(request.app, profile, outcome.cards),  # poster tests
        "more": outcome.more,
        "searched": not filters.is_empty,
    }
    headers = {"HX-Replace-Url": filters.url()} if is_htmx(request) else None
    return page(request, "catalog/search.html", context, block="results", headers=headers)
