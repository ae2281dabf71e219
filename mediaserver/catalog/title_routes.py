"""Viewer title pages: /titles/{id} (a movie's details, or a series with season tabs) and the
season partial HTMX swaps in. A title a profile may not see is 404, never 403."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import get_identity, may_download, request_profile
from mediaserver.catalog.pages import page
from mediaserver.catalog.title_page import season_episodes, title_details
from mediaserver.catalog.title_records import TitleDetails
from mediaserver.errors import NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key

routes = web.RouteTableDef()
# Title pages show a resume point that changes whenever the profile watches: browsers must ask
# again rather than show a cached copy (Back still restores the page; js/fresh.js refreshes it).
REVALIDATE = {"Cache-Control": "private, no-cache"}


def _season_number(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        raise NotFound("No such season.")
    return int(raw)


def _default_season(details: TitleDetails, requested: str | None) -> int | None:
    """The season a series page lists; None for a movie (whatever ?season says)."""
    if details.card.kind != "series":
        return None
    return details.season_to_open(None if requested is None else _season_number(requested))


@routes.get("/titles/{title_id}", name="title")
@access("profile")
async def title_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    profile = request_profile(request)
    title_id = int_path(request, "title_id")
    details = await title_details(db, profile, title_id)
    season = _default_season(details, request.query.get("season"))
    episodes = await season_episodes(db, profile, title_id, season) if season is not None else []
    return page(
        request,
        "catalog/title.html",
        {
            "t": details,
            "season": season,
            "episodes": episodes,
            "may_download": await may_download(request.app, get_identity(request)),
        },
        headers=REVALIDATE,
    )


@routes.get("/titles/{title_id}/actions", name="title_actions")
@access("profile")
async def title_actions(request: web.Request) -> web.Response:
    """The Play / Resume buttons alone (refreshed when the page is shown again by Back)."""
    db = request.app[db_key]
    details = await title_details(db, request_profile(request), int_path(request, "title_id"))
    may = await may_download(request.app, get_identity(request))
    context = {"t": details, "may_download": may}
    return page(request, "catalog/title.html", context, block="actions", headers=REVALIDATE)


@routes.get("/titles/{title_id}/seasons/{season}", name="title_season")
@access("profile")
async def title_season(request: web.Request) -> web.Response:
    """One season's episode list (the season tabs swap it in)."""
    db = request.app[db_key]
    profile = request_profile(request)
    title_id = int_path(request, "title_id")
    details = await title_details(db, profile, title_id)
    season = _default_season(details, request.match_info["season"])
    if season is None:
        raise NotFound("No such season.")
    episodes = await season_episodes(db, profile, title_id, season)
    return page(
        request,
        "catalog/title.html",
        {"t": details, "season": season, "episodes": episodes},
        block="seasons",
    )
