"""The runner as users see it: jobs run, report progress, retry, cancel, survive dead workers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from mediaserver.config import Settings
from mediaserver.db.engine import Database, create_database
from mediaserver.db.schema import jobs
from mediaserver.jobs import Job, JobContext, JobEvents, JobPayloadError, JobRunner, jobs_ctx, queue
from mediaserver.keys import config_key, db_key, job_events_key, jobs_key


@pytest.fixture
async def runners(db: Database, settings: Settings) -> AsyncIterator[Callable[..., JobRunner]]:
    """Make runners on `db` (or another Database) with job settings overridden; stop them all."""
    made: list[JobRunner] = []

    def make(database: Database | None = None, **jobs: Any) -> JobRunner:
        runner = JobRunner(database or db, settings.jobs.model_copy(update=jobs), JobEvents())
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop(timeout=2)


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def wait_status(db: Database, job_id: int, *statuses: str) -> Job:
    async def reached() -> bool:
        job = await queue.get(db, job_id)
        return job is not None and job.status in statuses

    await wait_for(reached)
    job = await queue.get(db, job_id)
    assert job is not None
    return job


async def test_enqueued_job_runs_and_succeeds(db: Database, runners) -> None:
    seen: list[Any] = []

    async def probe(ctx: JobContext) -> None:
        seen.append(ctx.payload)

    runner = runners()
    runner.register("probe", probe)
    await runner.start()
    job_id = await runner.enqueue("probe", {"file": 3})

    job = await wait_status(db, job_id, "succeeded")
    assert seen == [{"file": 3}]
    assert (job.progress, job.attempts, job.error, job.lease_owner) == (100, 1, None, None)


async def test_progress_is_stored_and_published_while_running(db: Database, runners) -> None:
    reported = asyncio.Event()
    finish = asyncio.Event()

    async def encode(ctx: JobContext) -> None:
        await ctx.progress(40, fps=48.5, eta=30, message="720p")
        reported.set()
        await finish.wait()

    runner = runners()
    runner.register("encode", encode)
    async with runner.events.subscribe() as events:
        await runner.start()
        job_id = await runner.enqueue("encode", {})
        await reported.wait()

        job = await queue.get(db, job_id)
        assert (job.status, job.progress, job.fps, job.eta_seconds) == ("running", 40, 48.5, 30)
        assert job.message == "720p"
        finish.set()
        await wait_status(db, job_id, "succeeded")

        statuses = []
        while not events._queue.empty():
            event = await events.get()
            assert event["id"] == job_id
            statuses.append((event["status"], event["progress"]))
    assert statuses == [("queued", 0), ("running", 0), ("running", 40), ("succeeded", 100)]


async def test_failing_handler_is_retried_then_failed_with_its_message(
    db: Database, runners, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def flaky(ctx: JobContext) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError(f"decoder error on try {calls}")

    runner = runners(max_attempts=3, retry_base_seconds=0)
    runner.register("flaky", flaky)
    with caplog.at_level(logging.ERROR, logger="mediaserver.jobs.runner"):
        await runner.start()
        job_id = await runner.enqueue("flaky", {})
        job = await wait_status(db, job_id, "failed")

    assert calls == 3
    assert (job.attempts, job.error) == (3, "decoder error on try 3")
    assert "Traceback" not in job.error
    assert any(r.exc_info and "decoder error" in str(r.exc_info[1]) for r in caplog.records)


async def test_failing_job_waits_for_its_backoff(db: Database, runners) -> None:
    async def flaky(ctx: JobContext) -> None:
        raise ValueError("boom")

    runner = runners(retry_base_seconds=30)
    runner.register("flaky", flaky)
    await runner.start()
    before = time.time()
    job_id = await runner.enqueue("flaky", {})
    await wait_for(lambda: _attempts_is(db, job_id, 1))
    job = await wait_status(db, job_id, "queued")
    assert job.run_after >= before + 30
    await asyncio.sleep(0.2)  # several polls: not taken again before the backoff ends
    assert (await queue.get(db, job_id)).attempts == 1


async def _attempts_is(db: Database, job_id: int, n: int) -> bool:
    job = await queue.get(db, job_id)
    return job is not None and job.attempts == n and job.status != "running"


async def test_cancel_queued_job(db: Database, runners) -> None:
    ran = False

    async def encode(ctx: JobContext) -> None:
        nonlocal ran
        ran = True

    runner = runners()
    job_id = await runner.enqueue("encode", {})
    job = await runner.cancel(job_id)
    assert job.status == "cancelled"
    runner.register("encode", encode)
    await runner.start()
    await asyncio.sleep(0.2)
    assert not ran
    assert (await queue.get(db, job_id)).status == "cancelled"


async def test_cancel_running_job_stops_its_handler(db: Database, runners) -> None:
    started = asyncio.Event()
    outcome: list[str] = []

    async def encode(ctx: JobContext) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            outcome.append(f"stopped, cancelled={ctx.cancelled.is_set()}")
            raise

    runner = runners()
    runner.register("encode", encode)
    await runner.start()
    job_id = await runner.enqueue("encode", {})
    await started.wait()

    assert (await runner.cancel(job_id)).cancel_requested
    job = await wait_status(db, job_id, "cancelled")
    assert outcome == ["stopped, cancelled=True"]
    assert job.finished_at is not None and job.lease_owner is None


async def test_cancel_from_another_process_reaches_a_reporting_handler(
    db: Database, runners
) -> None:
    """The web instance cancels through the database; the worker notices on its next write."""
    started = asyncio.Event()

    async def encode(ctx: JobContext) -> None:
        started.set()
        for frame in range(10_000):
            await ctx.progress(frame / 100)
            await asyncio.sleep(0.02)

    runner = runners()
    runner.register("encode", encode)
    await runner.start()
    job_id = await runner.enqueue("encode", {})
    await started.wait()
    await queue.cancel(db, job_id)  # not through this runner
    await wait_status(db, job_id, "cancelled")
    assert runner.running == []


async def test_dead_worker_job_returns_to_queue_and_is_finished_by_another(
    db: Database, runners
) -> None:
    done: list[int] = []

    async def encode(ctx: JobContext) -> None:
        done.append(ctx.job.id)

    job_id = await queue.enqueue(db, "encode", {})
    # A worker leases it and dies (kill -9): no heartbeat, no release.
    [leased] = await queue.lease(db, "dead-worker", ["encode"], 1, 60)

    runner = runners()
    runner.register("encode", encode)
    await runner.start()
    await asyncio.sleep(0.2)
    assert done == []  # still leased by the dead worker

    expired = await queue.requeue_expired(db, now=leased.lease_expires_at + 1)
    assert [j.status for j in expired] == ["queued"]
    runner.wake()

    job = await wait_status(db, job_id, "succeeded")
    assert done == [job_id]
    assert job.attempts == 2  # the dead worker's try counts


async def test_worker_that_lost_its_lease_stops_and_leaves_the_job_alone(
    db: Database, runners
) -> None:
    """A paused worker whose job was given to another must not finish or fail it."""
    started = asyncio.Event()
    stopped: list[bool] = []

    async def encode(ctx: JobContext) -> None:
        started.set()
        try:
            for frame in range(10_000):
                await ctx.progress(frame / 100)
                await asyncio.sleep(0.02)
        finally:
            stopped.append(ctx.cancelled.is_set())

    runner = runners()
    runner.register("encode", encode)
    await runner.start()
    job_id = await runner.enqueue("encode", {})
    await started.wait()

    # Its lease expired and another worker took the job, in one step so that this runner's
    # own poll cannot take it back in between.
    async with db.write() as conn:
        await conn.execute(
            jobs.update().where(jobs.c.id == job_id).values(lease_owner="other-worker")
        )

    await wait_for(lambda: _is_idle(runner))
    assert stopped == [True]
    job = await queue.get(db, job_id)
    assert (job.status, job.lease_owner) == ("running", "other-worker")


async def _is_idle(runner: JobRunner) -> bool:
    return runner.running == []


async def test_concurrency_limit_is_respected(db: Database, runners) -> None:
    running = 0
    peak = 0

    async def slow(ctx: JobContext) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.15)
        running -= 1

    runner = runners(concurrency=2)
    runner.register("slow", slow)
    await runner.start()
    ids = [await runner.enqueue("slow", {"n": n}) for n in range(5)]
    for job_id in ids:
        await wait_status(db, job_id, "succeeded")
    assert peak == 2


async def test_stop_returns_running_jobs_to_the_queue(db: Database, runners) -> None:
    started = asyncio.Event()
    stopped: list[bool] = []

    async def encode(ctx: JobContext) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            stopped.append(ctx.cancelled.is_set())

    runner = runners()
    runner.register("encode", encode)
    await runner.start()
    job_id = await runner.enqueue("encode", {})
    await started.wait()

    await runner.stop(timeout=5)

    job = await queue.get(db, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
    assert stopped == [True]

    # The next start picks it up again.
    async def quick(ctx: JobContext) -> None:
        return None

    again = runners()
    again.register("encode", quick)
    await again.start()
    assert (await wait_status(db, job_id, "succeeded")).attempts == 1


async def test_unknown_types_are_left_for_another_worker(db: Database, runners) -> None:
    async def probe(ctx: JobContext) -> None:
        return None

    runner = runners()
    runner.register("probe", probe)
    await runner.start()
    other = await runner.enqueue("trickplay", {})
    mine = await runner.enqueue("probe", {})
    await wait_status(db, mine, "succeeded")
    assert (await queue.get(db, other)).status == "queued"


async def test_two_runners_never_run_the_same_job_twice(
    db: Database, settings: Settings, runners
) -> None:
    """Two processes on one database (two engines): each job runs exactly once."""
    second_db = create_database(settings.database_url)
    runs: list[int] = []

    owners: set[str | None] = set()

    async def work(ctx: JobContext) -> None:
        runs.append(ctx.job.id)
        owners.add(ctx.job.lease_owner)
        await asyncio.sleep(0.01)

    pair = [runners(database, concurrency=4) for database in (db, second_db)]
    try:
        ids = [await queue.enqueue(db, "work", {"n": n}) for n in range(40)]
        for runner in pair:
            runner.register("work", work)
            await runner.start()
        for job_id in ids:
            await wait_status(db, job_id, "succeeded")
    finally:
        for runner in pair:
            await runner.stop(timeout=2)
        await second_db.close()
    assert sorted(runs) == sorted(ids)
    assert owners == {r.owner_id for r in pair}  # both took part
    assert {j.attempts for j in await queue.list_jobs(db, limit=100)} == {1}


@pytest.mark.slow  # many writers, seconds of contention
async def test_many_concurrent_writers_never_see_database_is_locked(
    db: Database, backend: str
) -> None:
    """200 tasks at once writing progress and heartbeats: every write succeeds."""
    if backend != "sqlite":
        pytest.skip("the SQLite one-writer rule is what is under test")
    ids = [await queue.enqueue(db, "encode", {"n": n}) for n in range(200)]
    assert len(await queue.lease(db, "w1", ["encode"], 200, 60)) == 200
    errors: list[BaseException] = []
    writes = 0
    deadline = time.monotonic() + 3

    async def writer(job_id: int) -> None:
        nonlocal writes
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                if n % 2:
                    ok = await queue.set_progress(db, job_id, "w1", n % 100, fps=30.0, eta=n)
                else:
                    ok = await queue.heartbeat(db, job_id, "w1", 60)
            except Exception as exc:  # the test is that this never happens
                errors.append(exc)
                continue
            assert ok
            writes += 1

    await asyncio.gather(*(writer(job_id) for job_id in ids))
    assert errors == []
    assert writes > 200


async def test_jobs_ctx_with_zero_concurrency_is_only_a_hub(
    db: Database, settings: Settings
) -> None:
    settings.jobs.concurrency = 0
    app = web.Application()
    app[config_key] = settings
    app[db_key] = db
    ctx = jobs_ctx(app)
    await ctx.__anext__()
    runner, events = app[jobs_key], app[job_events_key]
    ran: list[int] = []

    async def probe(job: JobContext) -> None:
        ran.append(job.job.id)

    runner.register("probe", probe)
    async with events.subscribe() as sub:
        job_id = await runner.enqueue("probe", {})
        assert (await sub.get())["status"] == "queued"
        await asyncio.sleep(0.2)
        assert ran == []
        assert (await queue.get(db, job_id)).status == "queued"
        with pytest.raises(StopAsyncIteration):
            await ctx.__anext__()
        assert await sub.get() is None  # closed on shutdown


async def test_events_drop_oldest_for_a_slow_subscriber() -> None:
    events = JobEvents(maxsize=3)
    async with events.subscribe() as sub:
        for n in range(10):
            events.publish({"id": n})
        assert [(await sub.get())["id"] for _ in range(3)] == [7, 8, 9]
        assert sub.dropped == 7
    assert events.subscriber_count == 0


async def test_enqueue_refuses_payload_that_is_not_json(runners) -> None:
    with pytest.raises(JobPayloadError, match="JSON-serialisable"):
        await runners().enqueue("probe", {"path": object()})


async def test_a_scan_starts_while_encodes_fill_every_general_slot(db: Database, runners) -> None:
    """Two slots busy with hour-long encodes and more waiting: a scan still starts at once."""
    release = asyncio.Event()
    encoding: list[int] = []
    scanned = asyncio.Event()

    async def encode(ctx: JobContext) -> None:
        encoding.append(ctx.job.id)
        await release.wait()

    async def scan(ctx: JobContext) -> None:
        scanned.set()

    runner = runners(concurrency=2, light_slots=1)
    runner.register("media.package", encode)
    runner.register("library.scan", scan, lane="light")
    await runner.start()
    encodes = [await runner.enqueue("media.package", {"media_file_id": n}) for n in (1, 2, 3)]
    await wait_for(lambda: _count(encoding, 2))
    scan_id = await runner.enqueue("library.scan", {"library_id": 1})

    await wait_status(db, scan_id, "succeeded")
    statuses = [(await queue.get(db, job_id)).status for job_id in encodes]
    assert statuses == ["running", "running", "queued"]  # heavy jobs never take the light slot
    release.set()
    for job_id in encodes:
        await wait_status(db, job_id, "succeeded")


async def test_light_jobs_also_use_free_general_slots(db: Database, runners) -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def scan(ctx: JobContext) -> None:
        started.append(ctx.job.id)
        await release.wait()

    runner = runners(concurrency=2, light_slots=1)
    runner.register("library.scan", scan, lane="light")
    await runner.start()
    ids = [await runner.enqueue("library.scan", {"library_id": n}) for n in range(4)]
    await wait_for(lambda: _count(started, 3))
    await asyncio.sleep(0.2)
    assert len(started) == 3 and (await queue.get(db, ids[3])).status == "queued"
    release.set()
    await wait_status(db, ids[3], "succeeded")


async def _count(items: list[int], n: int) -> bool:
    return len(items) >= n


async def test_a_dead_workers_job_shows_lost_within_a_few_heartbeats(db: Database, runners) -> None:
    """Its lease still runs (the job is handed back when it ends), but it shows lost at once,
    while a job whose worker is alive and quiet never does."""
    release = asyncio.Event()
    started = asyncio.Event()

    async def encode(ctx: JobContext) -> None:
        started.set()
        await release.wait()  # silent: no progress, only the runner's heartbeats

    runner = runners(heartbeat_seconds=0.05, lease_seconds=60)
    assert runner.lost_after == pytest.approx(0.15)
    runner.register("encode", encode)
    dead_id = await queue.enqueue(db, "other.encode", {})
    [dead] = await queue.lease(db, "dead-worker", ["other.encode"], 1, 60)
    await runner.start()
    live_id = await runner.enqueue("encode", {})
    await started.wait()
    await asyncio.sleep(0.5)  # several heartbeats; the dead worker sends none

    dead_now, live_now = await queue.get(db, dead_id), await queue.get(db, live_id)
    now = time.time()
    assert dead_now.lost(now, runner.lost_after) and not live_now.lost(now, runner.lost_after)
    assert dead_now.lease_expires_at == dead.lease_expires_at > now  # not handed back yet
    async with runner.events.subscribe() as sub:
        runner.events.publish(dead_now)
        assert (await sub.get())["lost"] is True
    release.set()
