"""Poster A/B tests: the poster candidates packaging takes from a title's video compete for
plays; each profile's cards show one chosen by Thompson sampling (sticky for a while), until one
candidate is best with high probability or an admin pins one."""

from aiohttp import web

from mediaserver.catalog import register_play_listener, register_poster_chooser
from mediaserver.jobs import add_housekeeping
from mediaserver.recommend.artwork_ab.routes import routes
from mediaserver.recommend.artwork_ab.service import choose_posters, on_play_started, purge

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """The beacons' API, the /admin/posters pages and API, the catalog's poster chooser and
    play listener, and the housekeeping of counted views."""
    app.router.add_routes(routes)
    register_poster_chooser(app, choose_posters)
    register_play_listener(app, on_play_started)
    add_housekeeping(app, "poster test views", purge)
