"""Personalised recommendations and similar titles: home rows (Top picks, Because you watched
X, Trending now, New for you) registered with the catalog, More like this on title pages, watch
next, Not interested, a new profile's onboarding, searches that led to a play (a training signal),
and the training job that precomputes them."""

from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.catalog import (
    register_play_listener,
    register_row_source,
    register_watch_next_source,
)
from mediaserver.http.templating import add_page_context
from mediaserver.jobs import add_housekeeping
from mediaserver.keys import jobs_key
from mediaserver.recommend.reco import search_play, service, training
from mediaserver.recommend.reco.admin_routes import routes as admin_routes
from mediaserver.recommend.reco.api_routes import routes as api_routes
from mediaserver.recommend.reco.routes import routes as page_routes
from mediaserver.recommend.reco.search_play_routes import routes as search_play_routes


async def _jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx after jobs_ctx: the training handler (a heavy job: minutes of CPU at most)."""
    app[jobs_key].register(training.TRAIN_JOB, training.train_handler(app))
    yield


def setup(app: web.Application) -> None:
    """Register the recommendation routes, job handler and home-page row sources."""
    app.router.add_routes([*page_routes, *api_routes, *admin_routes, *search_play_routes])
    app.cleanup_ctx.append(_jobs_ctx)
    add_housekeeping(app, "recommendations due", training.retrain_when_due)
    # After every cleanup context (the database is open): the rows' statements are built once
    # here, so the first visit after a restart costs what any other does.
    app.on_startup.append(service.prepare_statements)
    # The built-in "because" row (shared genres and cast) gives way to the model's.
    register_row_source(app, "reco-", service.row_keys, service.load_row, replaces=("because",))
    register_watch_next_source(app, service.watch_next_ids)
    # Searches that led to a play: the search page signs its result links (`search_ref`), the
    # page's script reports a result opened, and a play soon after records the search.
    add_page_context(app, search_play.search_context)
    register_play_listener(app, search_play.on_play_started)
    add_housekeeping(app, "search results opened, no play", search_play.purge)
