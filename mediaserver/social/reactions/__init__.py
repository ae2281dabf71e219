"""Player reactions: timestamped emoji reactions from a fixed set, the strip above the seek bar
that shows where they cluster, and comments typed at a playback time ("moments") shown beside
the video. JSON API only; the player's script draws it all."""

from aiohttp import web

from mediaserver.social.reactions.api_routes import routes as api_routes
from mediaserver.social.reactions.live import setup_live
from mediaserver.social.reactions.records import EMOJIS

__all__ = ["EMOJIS", "setup"]


def setup(app: web.Application) -> None:
    """The reactions and moments API, and the live stream of moment changes."""
    app.router.add_routes(api_routes)
    setup_live(app)
