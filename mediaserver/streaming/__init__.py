"""Playback: the decision, signed media URLs, direct play, remux and on-the-fly HLS."""

from aiohttp import web

from mediaserver.streaming.admin_routes import routes as admin_routes
from mediaserver.streaming.live_routes import routes as live_routes
from mediaserver.streaming.live_service import live_sessions_ctx
from mediaserver.streaming.media_routes import routes as media_routes
from mediaserver.streaming.routes import routes as playback_routes
from mediaserver.streaming.routes import setup_streaming


def setup(app: web.Application) -> None:
    """Playback decisions, media URLs, on-the-fly sessions and the streams admin page."""
    setup_streaming(app)  # active streams registry, media caches, CORS on /media/t/
    app.router.add_routes([*playback_routes, *media_routes, *admin_routes, *live_routes])
    app.cleanup_ctx.append(live_sessions_ctx)  # every encoder thread stops on shutdown
