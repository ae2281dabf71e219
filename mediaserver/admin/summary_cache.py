"""Today's and this week's figures for the dashboard, read in the background.

Counting two weeks of plays takes a while on a long history, so no page waits for it: the page
and the live feed show the latest count (at most SUMMARY_SECONDS old) and a new one starts when it
is due; the JSON API waits only when there is none yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

from aiohttp import web

from mediaserver.analytics import PeriodSummary, summary_today_and_week

log = logging.getLogger(__name__)

SUMMARY_SECONDS = 30.0


class SummaryCache:
    def __init__(self, max_age: float = SUMMARY_SECONDS) -> None:
        self.max_age = max_age
        self._value: PeriodSummary | None = None
        self._read_at = -math.inf
        self._task: asyncio.Task[PeriodSummary | None] | None = None

    def _stale(self) -> bool:
        return time.monotonic() - self._read_at >= self.max_age

    def current(self, app: web.Application) -> PeriodSummary | None:
        """The latest count (None until the first is done); starts a new one when it is due."""
        if self._stale():
            self._refresh(app)
        return self._value

    async def wait(self, app: web.Application) -> PeriodSummary | None:
        """The latest count, waiting only when there is none yet (None if counting failed)."""
        value = self.current(app)
        if value is not None:
            return value
        return await asyncio.shield(self._refresh(app))

    def _refresh(self, app: web.Application) -> asyncio.Task[PeriodSummary | None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._read(app), name="dashboard-summary")
        return self._task

    async def _read(self, app: web.Application) -> PeriodSummary | None:
        try:
            value = await summary_today_and_week(app)
        except Exception:  # the next try is due in max_age; the page keeps the last count
            log.exception("could not count today's and this week's plays")
            self._read_at = time.monotonic()
            return self._value
        self._value, self._read_at = value, time.monotonic()
        return value

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
