"""The "recommend.train" job: read every signal, fit the model in a thread, write each
profile's picks, each title's similar titles and what is trending. Queued on demand (Admin >
Recommendations, the API, after onboarding) and by housekeeping once the last run is older than
`recommend.reco_retrain_hours`."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from mediaserver.jobs import JobContext, Queued
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.recommend.reco import compute, signals, store

log = logging.getLogger(__name__)

TRAIN_JOB = "recommend.train"


async def train(app: web.Application, ctx: JobContext | None = None) -> store.Run | None:
    """One training run from the database to the database; the arithmetic runs in a thread."""
    db, settings = app[db_key], app[config_key].recommend
    began = time.perf_counter()
    now = time.time()
    async with db.read() as conn:
        profiles = await signals.load_profiles(conn)
        found = await signals.load_signals(conn, profiles)
        titles = await signals.load_titles(conn)
        visible = {p.id: await signals.visible_titles(conn, p) for p in profiles}
        since = now - 8 * settings.reco_trending_half_life_days * signals.DAY
        recent = await signals.recent_plays(conn, since)
    if ctx is not None:
        await ctx.progress(20.0, message="signals read")
        ctx.raise_if_cancelled()
    inputs = compute.Inputs(
        found,
        titles,
        visible,
        recent,
        now,
        settings.reco_picks_per_profile,
        settings.reco_similar_per_title,
        settings.reco_new_days,
        settings.reco_trending_half_life_days,
    )
    result = await asyncio.to_thread(compute.run, inputs)
    if ctx is not None:
        await ctx.progress(80.0, message="model trained")
        ctx.raise_if_cancelled()
    await store.save(db, result, len(titles), time.perf_counter() - began)
    log.info(
        "recommendations trained: %d profiles, %d titles, %d interactions in %.1f s",
        len(profiles), len(titles), result.interactions, time.perf_counter() - began,
    )  # fmt: skip
    return await store.last_run(db)


def train_handler(app: web.Application):  # noqa: ANN201 - the runner's Handler type
    async def handle(ctx: JobContext) -> None:
        await train(app, ctx)

    return handle


async def queue_training(app: web.Application) -> Queued:
    """Queue a run unless one is already waiting (a running one is not merged: signals changed)."""
    return await app[jobs_key].enqueue_once(TRAIN_JOB, {}, merge_running=False)


async def retrain_when_due(app: web.Application) -> int:
    """Housekeeping chore: queue a run when the last one is older than the setting."""
    last = await store.last_run(app[db_key])
    hours = app[config_key].recommend.reco_retrain_hours
    if last is not None and time.time() - last.finished_at < hours * 3600:
        return 0
    if last is None and not await signals.any_signal(app[db_key]):
        return 0  # a new server: nothing to learn from yet
    await queue_training(app)
    return 1
