"""Comments on title and episode pages: one level of replies, newest or top, likes, edits for a
while, deletes any time, playback times as player links, live updates over server-sent events,
and admin moderation. `setup(app)` registers the live hub, the pages, the API and the admin
page."""

from aiohttp import web

from mediaserver.social.comments.admin_routes import routes as admin_routes
from mediaserver.social.comments.api_routes import routes as api_routes
from mediaserver.social.comments.hub import CommentHub, close_hub, hub_key
from mediaserver.social.comments.relay import (
    COMMENTS_CHANNEL,
    HubRelay,
    comment_event,
    comments_relay_ctx,
    comments_relay_key,
)
from mediaserver.social.comments.routes import routes as page_routes

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """The live hub (its streams end on shutdown; on PostgreSQL it hears the other server
    processes' changes too), the comment pages, API and moderation."""
    app[hub_key] = CommentHub()
    app[comments_relay_key] = HubRelay(COMMENTS_CHANNEL, app[hub_key], comment_event)
    app.on_shutdown.append(close_hub)
    app.cleanup_ctx.append(comments_relay_ctx)
    app.router.add_routes([*page_routes, *api_routes, *admin_routes])
