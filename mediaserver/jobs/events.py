"""In-process pub/sub of job changes, for the live admin UI.

Each subscriber gets its own bounded queue. Publishing never blocks and never grows memory: when a
subscriber falls behind, its oldest events are dropped (the UI only needs the latest state of a
job, and it re-reads the table when it subscribes). Only changes this process makes or sees are
published; workers on other machines are picked up by that re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from mediaserver.jobs.model import Job

EVENT_FIELDS = (
    "id",
    "type",
    "status",
    "progress",
    "fps",
    "eta_seconds",
    "message",
    "error",
    "attempts",
)


def job_event(job: Job, lost_after: float = math.inf) -> dict[str, Any]:
    """The dict published for a job: what a progress bar or status badge needs. `lost` says a
    running job's worker has been silent for `lost_after` seconds."""
    event = {name: getattr(job, name) for name in EVENT_FIELDS}
    event["lost"] = job.lost(time.time(), lost_after)
    return event


class Subscription:
    """One subscriber's bounded queue. Iterate it, or call `get()`; ends when closed."""

    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize)
        self.dropped = 0
        self.closed = False

    def _put(self, event: dict[str, Any] | None) -> None:
        # Full: throw away the oldest so the newest state always gets through.
        while self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> dict[str, Any] | None:
        """The next event, or None once the hub is closed."""
        if self.closed and self._queue.empty():
            return None
        event = await self._queue.get()
        if event is None:
            self.closed = True
        return event

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[dict[str, Any]]:
        while (event := await self.get()) is not None:
            yield event


class JobEvents:
    """The hub: `publish(job)` from the runner, `async with subscribe()` from the UI."""

    def __init__(self, maxsize: int = 256, lost_after: float = math.inf) -> None:
        self._maxsize = maxsize
        self.lost_after = lost_after
        self._subscribers: set[Subscription] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, job: Job | dict[str, Any]) -> None:
        if self._closed:
            return  # subscribers were told the stream ended; nothing may follow that
        event = job_event(job, self.lost_after) if isinstance(job, Job) else dict(job)
        for sub in self._subscribers:
            sub._put(dict(event))  # a copy each, so one subscriber cannot alter another's

    def publish_many(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.publish(job)

    @contextlib.asynccontextmanager
    async def subscribe(self, maxsize: int | None = None) -> AsyncIterator[Subscription]:
        sub = Subscription(maxsize or self._maxsize)
        if self._closed:
            sub._put(None)
        self._subscribers.add(sub)
        try:
            yield sub
        finally:
            self._subscribers.discard(sub)

    def close(self) -> None:
        """End every subscription (on shutdown), so streaming responses finish."""
        self._closed = True
        for sub in self._subscribers:
            sub._put(None)
