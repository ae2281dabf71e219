"""What a job handler works with: `JobContext` (payload, progress, cancellation) and `JobCancelled`.

The runner creates one context per leased job and drives it through the underscored methods
(`_stop`, `_close`, `_task`), which are for `runner` and `supervision` only; handlers use the
public ones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from mediaserver.jobs import queue
from mediaserver.jobs.model import Job, progress_fields

if TYPE_CHECKING:
    from mediaserver.jobs.runner import JobRunner

log = logging.getLogger(__name__)

T = TypeVar("T")

PROGRESS_INTERVAL = 0.5  # seconds between stored progress updates of one job

# Why a handler was stopped from outside.
CANCEL, LOST, SHUTDOWN = "cancel", "lost", "shutdown"


class JobCancelled(Exception):
    """Raised by `JobContext.raise_if_cancelled()`; a handler may also raise it to give up."""


class JobContext:
    """What a handler gets: the job, its payload, progress reporting and cancellation."""

    def __init__(self, runner: JobRunner, job: Job) -> None:
        self.job = job
        # Set when the handler must stop (cancel requested, lease lost, shutdown). The runner
        # also cancels the handler task; the event is for code in threads, which can't be.
        self.cancelled = asyncio.Event()
        self.stop_reason: str | None = None
        self._runner = runner
        self._task: asyncio.Task[None] | None = None
        self._pending: tuple[float, float | None, float | None, str] | None = None
        # The latest report (percent, message) as the handler made it, stored yet or not: a
        # write in flight when the handler ends would otherwise leave the one before it.
        self._latest: tuple[float, str] | None = None
        self._last_write = float("-inf")
        self._flusher: asyncio.Task[None] | None = None

    @property
    def payload(self) -> Any:
        return self.job.payload

    @property
    def is_cancelled(self) -> bool:
        """Safe to read from a worker thread."""
        return self.stop_reason is not None

    def raise_if_cancelled(self) -> None:
        if self.stop_reason is not None:
            raise JobCancelled(f"job {self.job.id} stopped: {self.stop_reason}")

    async def progress(
        self,
        percent: float,
        fps: float | None = None,
        eta: float | None = None,
        message: str = "",
    ) -> None:
        """Report progress. Cheap to call often: stored at most every PROGRESS_INTERVAL s."""
        self._pending = (percent, fps, eta, message)
        self._latest = (percent, message)
        wait = self._last_write + PROGRESS_INTERVAL - time.monotonic()
        if wait <= 0:
            await self._flush()
        elif self._flusher is None:
            # Trailing write, so the last value is stored even if the handler goes quiet.
            self._flusher = asyncio.create_task(self._flush_later(wait))

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._flusher = None
        await self._flush()

    async def _flush(self) -> None:
        if self._pending is None or self.stop_reason is not None:
            return
        percent, fps, eta, message = self._pending
        self._pending = None
        self._last_write = time.monotonic()
        runner = self._runner
        try:
            ok = await uninterrupted(
                queue.set_progress(
                    runner.db, self.job.id, runner.owner_id, percent, fps, eta, message
                )
            )
        except Exception as exc:  # a database hiccup must not kill an hour-long transcode
            log.warning("job %s: progress not stored: %s", self.job.id, exc)
            return
        self.job = dataclasses.replace(
            self.job, **progress_fields(percent, fps, eta, message), updated_at=time.time()
        )
        runner.events.publish(self.job)
        if not ok:
            await runner._lease_problem(self)

    def _stop(self, reason: str) -> None:
        if self.stop_reason is not None or self._task is None or self._task.done():
            return
        self.stop_reason = reason
        self.cancelled.set()
        self._task.cancel()

    def _final_message(self) -> str:
        """What the job shows once it succeeded: the handler's last word if it gave it as done
        (at 100 %: a scan's summary, "published 4 rungs"); else "" and the jobs page says
        "Done". A message reported on the way ("publishing") names a step, not a result."""
        if self._latest is None or not self._latest[0] >= 100:  # NaN is not done either
            return ""
        return self._latest[1]

    def _close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None


async def uninterrupted(aw: Awaitable[T]) -> T:
    """Await a database call that finishes even if the caller is cancelled meanwhile.

    Handlers and heartbeats are cancelled when a job stops; a query cut off halfway would leave
    an invalidated connection behind instead of returning it to the pool.
    """
    task = asyncio.ensure_future(aw)
    task.add_done_callback(_consume)
    return await asyncio.shield(task)


def _consume(task: asyncio.Future[Any]) -> None:
    # Nobody may be left to await it: read the exception so it isn't logged as never retrieved.
    if not task.cancelled():
        task.exception()
