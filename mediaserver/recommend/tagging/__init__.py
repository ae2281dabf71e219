"""Automatic tagging: each title's media (cuts, brightness, colour, motion, speech, music,
loudness), subtitles and description are analysed offline in a job and mapped to suggested
tags (moods, themes, style, content notes); with an Anthropic key, Claude adds tags, a summary
and a suggested rating. Admins review the suggestions; accepted tags show on title pages, filter
search (`/search?tag=`) and feed similarity through `accepted_tags(db, title_ids)`."""

from aiohttp import web

from mediaserver.recommend.tagging.admin_routes import routes as admin_routes
from mediaserver.recommend.tagging.api_routes import routes as api_routes
from mediaserver.recommend.tagging.jobs import TAG_JOB, enqueue_tagging, tagging_ctx
from mediaserver.recommend.tagging.routes import routes as page_routes
from mediaserver.recommend.tagging.service import accepted_tags

__all__ = ["TAG_JOB", "accepted_tags", "enqueue_tagging", "setup"]


def setup(app: web.Application) -> None:
    """The tag pages, the review page and API, and the "recommend.tag" job with its scan hook."""
    app.router.add_routes([*page_routes, *api_routes, *admin_routes])
    app.cleanup_ctx.append(tagging_ctx)
