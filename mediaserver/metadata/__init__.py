"""Metadata and artwork from providers (TMDB, TVmaze, and plugins through the
`metadata_providers` hook): titles matched by ids, then by name and year, details, cast with
photos and artwork written to the catalog in the background after a scan, on demand, and
periodically for shows still airing; Admin > Metadata and the Identify page; the cast row of
title pages. Titles no provider knows still get a poster from their own files. `setup(app)`
registers the pages, the API, the "metadata.refresh" job and its housekeeping.
"""

from aiohttp import web

from mediaserver.jobs import add_housekeeping
from mediaserver.metadata.admin_routes import routes as admin_routes
from mediaserver.metadata.api_routes import routes as api_routes
from mediaserver.metadata.jobs import REFRESH_JOB, housekeeping, metadata_ctx
from mediaserver.metadata.registry import providers_ctx
from mediaserver.metadata.viewer_routes import routes as viewer_routes

__all__ = ["REFRESH_JOB", "setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
    app.router.add_routes([*admin_routes, *api_routes, *viewer_routes])
    # The providers' HTTP session opens before the job handler that uses it, and closes after.
    app.cleanup_ctx.extend([providers_ctx, metadata_ctx])
    add_housekeeping(app, "metadata", housekeeping)
