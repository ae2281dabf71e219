"""Personalised recommendations and similar titles: home rows (Top picks, Because you watched
X, Trending now, New for you) registered with the catalog, More like this on title pages, watch
next, Not interested, a new profile's onboarding, and the training job that precomputes them."""

from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.catalog import register_row_source, register_watch_next_source
from mediaserver.jobs import add_housekeeping
from mediaserver.keys import jobs_key
from mediaserver.recommend.reco import service, training
from mediaserver.recommend.reco.admin_routes import routes as admin_routes
from mediaserver.recommend.reco.api_routes import routes as api_routes
from mediaserver.recommend.reco.routes import routes as page_routes


async def _jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx after jobs_ctx: the training handler (a heavy job: minutes of CPU at most)."""
    app[jobs_key].register(training.TRAIN_JOB, training.train_handler(app))
    yield


def setup(app: web.Application) -> None:
    """Register the recommendation routes, job handler and home-page row sources."""
    app.router.add_routes([*page_routes, *api_routes, *admin_routes])
    app.cleanup_ctx.append(_jobs_ctx)
    add_housekeeping(app, "recommendations due", training.retrain_when_due)
    # After every cleanup context (the database is open): the rows' statements are built once
    # here, so the first visit after a restart costs what any other does.
    app.on_startup.append(service.prepare_statements)
    # The built-in "because" row (shared genres and cast) gives way to the model's.
    register_row_source(app, "reco-", service.row_keys, service.load_row, replaces=("because",))
    register_watch_next_source(app, service.watch_next_ids)
