"""The "analytics.rollup" job: queued at start and every `analytics.rollup_minutes`, it writes
out the queued heartbeats, then rolls new plays and heartbeats up. Raw heartbeats older than
`analytics.keep_heartbeats_days` go with housekeeping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from mediaserver.analytics.rollup_heartbeats import prune_heartbeats, roll_up_heartbeats
from mediaserver.analytics.rollup_plays import roll_up_plays
from mediaserver.analytics.state import get_mark, set_mark
from mediaserver.catalog import flush_heartbeats
from mediaserver.jobs import JobContext, Queued
from mediaserver.keys import config_key, db_key, jobs_key

log = logging.getLogger(__name__)

ROLLUP_JOB = "analytics.rollup"
LAST_RUN = "last_run"


@dataclass(frozen=True, slots=True)
class RollupResult:
    days_rebuilt: int
    heartbeats_read: int


async def run_rollups(app: web.Application) -> RollupResult:
    """Everything reported so far, rolled up (what the job does; tests and the bench call it)."""
    await flush_heartbeats(app)
    settings = app[config_key]
    db = app[db_key]
    days = await roll_up_plays(db, settings.housekeeping.keep_plays_days)
    beats = await roll_up_heartbeats(db)
    await set_mark(db, LAST_RUN, time.time())
    return RollupResult(days, beats)


def rollup_handler(app: web.Application):  # noqa: ANN201 - a jobs Handler
    async def rollup(ctx: JobContext) -> None:
        result = await run_rollups(app)
        await ctx.progress(
            100,
            message=f"{result.days_rebuilt} days rebuilt, {result.heartbeats_read} heartbeats read",
        )

    return rollup


async def queue_rollup(app: web.Application) -> Queued:
    """Roll up now (the admin's button); the same job if one is already queued."""
    return await app[jobs_key].enqueue_once(ROLLUP_JOB, {}, merge_running=False)


async def last_rollup(app: web.Application) -> float:
    """When the rollups last ran to the end (0: never)."""
    return await get_mark(app[db_key], LAST_RUN)


async def prune_old_heartbeats(app: web.Application) -> int:
    """Housekeeping: raw heartbeats older than analytics.keep_heartbeats_days (rolled up)."""
    return await prune_heartbeats(app[db_key], app[config_key].analytics.keep_heartbeats_days)


async def _every(app: web.Application, seconds: float, stop: asyncio.Event) -> None:
    """Queue a rollup now and every `seconds` (one job however many instances queue it)."""
    while not stop.is_set():
        try:
            await queue_rollup(app)
        except Exception:
            log.exception("analytics: could not queue the rollup")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


async def analytics_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the rollup job's handler on the process's runner, queued periodically (the
    runner is already started here, so this context keeps its own clock)."""
    runner = app[jobs_key]
    runner.register(ROLLUP_JOB, rollup_handler(app), lane="light")
    stop = asyncio.Event()
    task = asyncio.create_task(_every(app, app[config_key].analytics.rollup_minutes * 60, stop))
    try:
        yield
    finally:
        stop.set()
        await task
