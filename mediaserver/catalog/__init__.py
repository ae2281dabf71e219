"""Titles, series, search, rows, My List, history, progress."""

from aiohttp import web

from mediaserver.catalog.api_routes import routes as api_routes
from mediaserver.catalog.list_routes import routes as list_routes
from mediaserver.catalog.player_routes import routes as player_routes
from mediaserver.catalog.routes import routes as page_routes
from mediaserver.catalog.search_routes import routes as search_routes
from mediaserver.catalog.title_routes import routes as title_routes


def setup(app: web.Application) -> None:
    """Home, title, search and My List pages, the player page, and the catalog API."""
    app.router.add_routes(
        [
            *page_routes,
            *title_routes,
            *search_routes,
            *list_routes,
            *api_routes,
            *player_routes,  # /watch (the player) and its progress, plays, preferences, markers
        ]
    )
