"""Intro and credits detection: a season's episodes compared by their audio fingerprints, the
Skip Intro / Skip Credits markers written from what they share, and the admin's corrections."""

from aiohttp import web

from mediaserver.jobs import register_job_subjects
from mediaserver.recommend.intro.jobs import describe_jobs, intro_ctx
from mediaserver.recommend.intro.routes import routes

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """The /admin/intro pages and API, and the "recommend.intro" job with its scan hook."""
    app.router.add_routes(routes)
    app.cleanup_ctx.append(intro_ctx)
    register_job_subjects(app, describe_jobs)  # the jobs page names the season
