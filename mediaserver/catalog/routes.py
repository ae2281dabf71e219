"""The home page: recently added titles this profile may see, or how to add a library."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts.identity import get_identity
from mediaserver.catalog.browse import library_count, recently_added
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/", name="home")
@access("profile")
async def home(request: web.Request) -> web.Response:
    db = request.app[db_key]
    cards = await recently_added(db, get_identity(request).profile)
    has_libraries = bool(cards) or await library_count(db) > 0
    return render(request, "catalog/home.html", {"cards": cards, "has_libraries": has_libraries})
