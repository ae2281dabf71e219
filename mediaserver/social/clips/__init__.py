"""Clips: a named range of a title cut on its exact frames (from the packaged ladder's segments,
copied where whole, re-encoded at the cuts; or from the source of an on-the-fly title), with its
own HLS playlist, MP4 and poster behind signed URLs, a /c/<id> page with an OpenGraph card, and
the JSON API. `clips_of_profile` lists a profile's clips for its profile page."""

from aiohttp import web

from mediaserver.social.clips.api_routes import routes as api_routes
from mediaserver.social.clips.making import clips_ctx
from mediaserver.social.clips.records import ClipSummary
from mediaserver.social.clips.routes import routes as page_routes
from mediaserver.social.clips.service import clips_of_profile

__all__ = ["ClipSummary", "clips_of_profile", "setup"]


def setup(app: web.Application) -> None:
    """Clip pages, media, API, and the "clips.make" job that makes them."""
    app.router.add_routes([*page_routes, *api_routes])
    app.cleanup_ctx.append(clips_ctx)
