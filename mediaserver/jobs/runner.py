"""The job runner: leases jobs into free slots and starts their handlers (`supervision` heartbeats
each one and settles its outcome).

One runner per process. With concurrency 0 it runs nothing and only serves as the enqueue and
notification hub (a web-only instance while workers on other machines do the work).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from mediaserver.config import JobSettings
from mediaserver.db.engine import Database
from mediaserver.jobs import queue
from mediaserver.jobs.context import CANCEL, LOST, SHUTDOWN, JobContext, uninterrupted
from mediaserver.jobs.events import JobEvents
from mediaserver.jobs.model import RUNNING, Job, Lane, Queued, check_type, lost_after
from mediaserver.jobs.supervision import supervise

log = logging.getLogger(__name__)

Handler = Callable[[JobContext], Awaitable[None]]


class JobRunner:
    """Runs up to `settings.concurrency` jobs of the registered types at once, and light jobs
    in `settings.light_slots` more, so a scan never waits behind hours of encodes."""

    def __init__(
        self,
        db: Database,
        settings: JobSettings,
        events: JobEvents | None = None,
        owner_id: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.events = events or JobEvents()
        self.events.lost_after = lost_after(settings)
        # Unique per process start: a restarted process must not mistake old leases for its own.
        self.owner_id = (
            owner_id or f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self._handlers: dict[str, Handler] = {}
        self._lanes: dict[str, Lane] = {}
        self._schedules: dict[str, float] = {}
        self._settled: list[Callable[[Job], None]] = []
        self._running: dict[int, JobContext] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_requeue = 0.0
        self._db_ok = True

    # -- registration and public helpers ------------------------------------------------------

    def register(self, job_type: str, handler: Handler, *, lane: Lane = "heavy") -> None:
        """Run `handler` for jobs of `job_type`. May be called before or after start().

        "light" jobs (seconds to minutes of work someone waits for: a scan, finishing an upload)
        may also use the light slots; "heavy" ones (encodes), the default for work of unknown
        size, never do."""
        check_type(job_type)
        if job_type in self._handlers:
            raise ValueError(f"a handler for job type {job_type!r} is already registered")
        self._handlers[job_type] = handler
        self._lanes[job_type] = lane
        self.wake()

    def schedule(self, job_type: str, every: float) -> None:
        """Run `job_type` (empty payload) at start and then `every` seconds after the last run
        finished. Through the queue, so of several instances only one runs each round."""
        check_type(job_type)
        self._schedules[job_type] = every

    def on_settled(self, callback: Callable[[Job], None]) -> None:
        """Call `callback(job)` with each job this process ran once its outcome is recorded."""
        self._settled.append(callback)

    def settled(self, job: Job) -> None:
        for callback in self._settled:
            try:
                callback(job)
            except Exception:  # an observer failing must not disturb the queue
                log.exception("settled callback failed for job %s", job.id)

    def lane(self, job_type: str) -> Lane:
        """The lane a job type runs in ("heavy" for types this process has no handler for)."""
        return self._lanes.get(job_type, "heavy")

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)

    @property
    def running(self) -> list[Job]:
        """The jobs this process is running now."""
        return [ctx.job for ctx in self._running.values()]

    @property
    def lost_after(self) -> float:
        """Seconds without a heartbeat after which a running job shows as lost."""
        return lost_after(self.settings)

    def wake(self) -> None:
        """Look for work now instead of at the next poll (after an enqueue, say)."""
        self._wake.set()

    async def enqueue(
        self,
        job_type: str,
        payload: Any,
        *,
        priority: int = 0,
        max_attempts: int | None = None,
        run_after: float | None = None,
    ) -> int:
        """Enqueue with this server's max_attempts default, publish it, and wake the loop."""
        job_id = await queue.enqueue(
            self.db,
            job_type,
            payload,
            priority=priority,
            max_attempts=self.settings.max_attempts if max_attempts is None else max_attempts,
            run_after=run_after,
        )
        await self._publish_by_id(job_id)
        if job_type in self._handlers:
            self.wake()
        return job_id

    async def enqueue_once(
        self, job_type: str, payload: Any, *, merge_running: bool = True
    ) -> Queued:
        """`enqueue`, unless the same work (type and payload) is already queued, or running with
        `merge_running`: then that job (`queue.enqueue_once` says when to merge which)."""
        queued = await queue.enqueue_once(
            self.db,
            job_type,
            payload,
            merge_running=merge_running,
            max_attempts=self.settings.max_attempts,
        )
        if not queued.merged:
            await self._publish_by_id(queued.job_id)
        if job_type in self._handlers:
            self.wake()
        return queued

    async def cancel(self, job_id: int) -> Job | None:
        job = await queue.cancel(self.db, job_id)
        ctx = self._running.get(job_id)
        if ctx is not None and job is not None and job.cancel_requested:
            ctx._stop(CANCEL)  # ours: stop it now rather than at the next heartbeat
        if job is not None:
            self.events.publish(job)
        return job

    async def retry(self, job_id: int) -> Job | None:
        job = await queue.retry(self.db, job_id)
        if job is not None:
            self.events.publish(job)
            self.wake()
        return job

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._loop_task is not None or self._stopping:
            raise RuntimeError("a JobRunner starts once; make a new one after stop()")
        for job_type in self._schedules:
            # At start even if the last run was a moment ago: a restart is when people look.
            try:
                await self.enqueue_once(job_type, {})
            except Exception:
                log.exception("could not queue %s; the loop queues it when it can", job_type)
        if self.settings.concurrency > 0:
            self._loop_task = asyncio.create_task(self._loop(), name="job-runner")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop leasing, cancel running handlers, and return their jobs to the queue."""
        if self._stopping:
            return  # already stopped (or stopping): a second call has nothing to do
        self._stopping = True
        deadline = time.monotonic() + timeout  # one budget for the whole shutdown
        if self._loop_task is not None:
            # Let the loop finish its iteration rather than cut a lease off halfway.
            self.wake()
            try:
                await asyncio.wait_for(self._loop_task, timeout)
            except TimeoutError:
                log.warning("job runner loop did not stop in %ss", timeout)
            except Exception:
                log.exception("job runner loop failed")
            self._loop_task = None
        for ctx in list(self._running.values()):
            ctx._stop(SHUTDOWN)
        if self._tasks:
            left = max(0.1, deadline - time.monotonic())
            _, pending = await asyncio.wait(set(self._tasks), timeout=left)
            for task in pending:
                log.warning("job task %s ignored cancellation for %ss", task.get_name(), timeout)
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        try:
            released = await queue.release_owned(self.db, self.owner_id)
        except Exception:
            log.exception("could not release running jobs; they return when their leases expire")
            return
        if released:
            log.info("returned %d running job(s) to the queue", len(released))
            self.events.publish_many(released)

    # -- the loop -----------------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._maintain()
                await self._fill()
                self._database_back()
            except Exception:
                self._database_trouble()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)

    def _database_trouble(self) -> None:
        # Log the first failure with its traceback, not a line per poll while the database is down.
        if self._db_ok:
            log.exception("job queue unavailable; retrying every %ss", self.settings.poll_seconds)
        self._db_ok = False

    def _database_back(self) -> None:
        if not self._db_ok:
            log.info("job queue available again")
        self._db_ok = True

    async def _fill(self) -> None:
        if self.settings.concurrency <= 0 or not self._handlers:
            return
        # Light jobs first, into the light slots or any free general slot; then heavy ones into
        # the general slots light jobs left.
        for lane in ("light", "heavy"):
            free = self._free_slots(lane)
            types = [t for t, t_lane in self._lanes.items() if t_lane == lane]
            if free > 0 and types:
                await self._start_leased(
                    await queue.lease(
                        self.db, self.owner_id, types, free, self.settings.lease_seconds
                    )
                )

    def _free_slots(self, lane: Lane) -> int:
        running = [self._lanes.get(ctx.job.type, "heavy") for ctx in self._running.values()]
        heavy = running.count("heavy")
        light = len(running) - heavy
        general = self.settings.concurrency
        if lane == "light":
            return general + self.settings.light_slots - len(running)
        return general - heavy - max(0, light - self.settings.light_slots)

    async def _start_leased(self, leased: list[Job]) -> None:
        for job in leased:
            old = self._running.get(job.id)
            if old is not None:
                # Our earlier lease expired (database out of reach, process paused) and we got the
                # job back: the old handler must stop, as if another worker had taken it.
                old._stop(LOST)
            ctx = JobContext(self, job)
            self._running[job.id] = ctx  # counted now, so the next _fill sees the slot taken
            task = asyncio.create_task(self._run(ctx), name=f"job-{job.id}-{job.type}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _maintain(self) -> None:
        now = time.monotonic()
        if now >= self._next_requeue:
            self._next_requeue = now + max(
                self.settings.lease_seconds / 3, self.settings.poll_seconds
            )
            returned = await queue.requeue_expired(self.db)
            for job in returned:
                log.warning("job %s (%s): worker lost, now %s", job.id, job.type, job.status)
            self.events.publish_many(returned)
            for job_type, every in self._schedules.items():
                scheduled = await queue.enqueue_if_due(self.db, job_type, every)
                if scheduled is not None:
                    await self._publish_by_id(scheduled.job_id)

    # -- one job ------------------------------------------------------------------------------

    async def _run(self, ctx: JobContext) -> None:
        try:
            await supervise(self, ctx, self._handlers[ctx.job.type])
        finally:
            if self._running.get(ctx.job.id) is ctx:
                del self._running[ctx.job.id]
            self.wake()  # a slot is free

    async def _lease_problem(self, ctx: JobContext) -> None:
        """A write said stop: find out whether the job was cancelled or taken away."""
        try:
            job = await uninterrupted(queue.get(self.db, ctx.job.id))
        except Exception as exc:  # the heartbeat loop decides once the lease is really at risk
            log.warning("job %s: could not read its state: %s", ctx.job.id, exc)
            return
        mine = job is not None and job.status == RUNNING and job.lease_owner == self.owner_id
        if mine and job is not None and job.cancel_requested:
            ctx._stop(CANCEL)
        elif not mine:
            ctx._stop(LOST)

    async def _publish_by_id(self, job_id: int) -> None:
        if self.events.subscriber_count:
            job = await queue.get(self.db, job_id)
            if job is not None:
                self.events.publish(job)
