"""Housekeeping: one periodic "housekeeping" job that runs what each domain added to it.

Domains add their purges (expired sessions, old plays, finished uploads ...) with
`add_housekeeping(app, name, purge)` from their `setup`; this seam knows none of them. The runner
queues the job at start and then every `housekeeping.interval_minutes` after the last run, through
the queue, so of several instances only one runs each round, and it shows under Admin > Jobs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from mediaserver.jobs import queue
from mediaserver.jobs.context import JobContext
from mediaserver.keys import config_key, db_key

log = logging.getLogger(__name__)

HOUSEKEEPING_JOB = "housekeeping"

# Removes what its settings say is old; returns how many things it removed.
Purge = Callable[[web.Application], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Chore:
    name: str
    purge: Purge


housekeeping_key: web.AppKey[list[Chore]] = web.AppKey("housekeeping", list[Chore])


def add_housekeeping(app: web.Application, name: str, purge: Purge) -> None:
    """Have every housekeeping run call `purge(app)` (a domain's `setup` adds its own)."""
    app.setdefault(housekeeping_key, []).append(Chore(name, purge))


def housekeeping_handler(app: web.Application) -> Callable[[JobContext], Awaitable[None]]:
    """The "housekeeping" handler: each chore in turn; one that fails does not stop the others,
    and the job fails with their errors (to be retried) once all had their turn."""

    async def housekeeping(ctx: JobContext) -> None:
        chores = app.get(housekeeping_key, [])
        removed: list[str] = []
        errors: list[str] = []
        for done, chore in enumerate(chores, start=1):
            ctx.raise_if_cancelled()
            try:
                count = await chore.purge(app)
            except Exception as exc:
                log.exception("housekeeping: %s failed", chore.name)
                errors.append(f"{chore.name}: {str(exc) or type(exc).__name__}")
            else:
                removed.append(f"{chore.name} {count}")
                if count:
                    log.info("housekeeping: removed %d old %s", count, chore.name)
            await ctx.progress(100 * done / len(chores), message="removed: " + ", ".join(removed))
        if errors:
            raise RuntimeError("; ".join(errors))

    return housekeeping


async def purge_finished_jobs(app: web.Application) -> int:
    """Jobs that finished more than jobs.keep_finished_days ago."""
    days = app[config_key].jobs.keep_finished_days
    return await queue.purge_finished(app[db_key], time.time() - days * 86400)
