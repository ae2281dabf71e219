"""What a failed job does next depends on why it failed: a failure that would only repeat itself
ends the job at once, one that may pass (an I/O error, a full disk) is tried again later, each
wait longer than the one before."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.jobs import JobContext, JobEvents, JobRunner, PermanentJobError, queue


@pytest.fixture
async def runner(db: Database, settings: Settings) -> AsyncIterator[Callable[..., JobRunner]]:
    made: list[JobRunner] = []

    def make(**jobs: Any) -> JobRunner:
        made.append(JobRunner(db, settings.jobs.model_copy(update=jobs), JobEvents()))
        return made[-1]

    yield make
    for r in made:
        await r.stop(timeout=2)


async def _settled(db: Database, job_id: int, *statuses: str, tried: int = 0):
    deadline = time.monotonic() + 10.0
    while True:
        job = await queue.get(db, job_id)
        if job is not None and job.status in statuses and job.attempts >= tried:
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.02)


async def test_permanent_failure_fails_at_once_with_one_line(
    db: Database, runner, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def package(ctx: JobContext) -> None:
        nonlocal calls
        calls += 1
        raise PermanentJobError("truncated or damaged: the file ends at 3.0 s of 10.0 s")

    r = runner(max_attempts=5, retry_base_seconds=0)
    r.register("package", package)
    caplog.set_level(logging.INFO)
    await r.start()
    job_id = await r.enqueue("package", {})
    job = await _settled(db, job_id, "failed")
    assert calls == 1 and job.attempts == 1
    assert job.error == "truncated or damaged: the file ends at 3.0 s of 10.0 s"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR], caplog.text
    [line] = [rec for rec in caplog.records if "the file ends at 3.0 s" in rec.getMessage()]
    assert line.levelno == logging.WARNING and not line.exc_info


async def test_transient_failure_is_retried_with_growing_waits(db: Database, runner) -> None:
    started: list[float] = []

    async def flaky(ctx: JobContext) -> None:
        started.append(time.monotonic())
        if len(started) < 3:
            raise OSError(errno.EIO, "Input/output error")

    r = runner(max_attempts=5, retry_base_seconds=1.0, poll_seconds=0.02)
    r.register("flaky", flaky)
    await r.start()
    job_id = await r.enqueue("flaky", {})
    waits = []
    for tried in (1, 2):
        job = await _settled(db, job_id, "queued", tried=tried)
        waits.append(job.run_after - job.updated_at)  # the wait it was given when it failed
    job = await _settled(db, job_id, "succeeded")
    assert job.attempts == 3
    assert waits == [pytest.approx(1.0), pytest.approx(2.0)]
    assert started[1] - started[0] >= 1.0 and started[2] - started[1] >= 2.0


async def test_full_disk_is_retried_later_and_says_so(
    db: Database, runner, caplog: pytest.LogCaptureFixture
) -> None:
    room = asyncio.Event()

    async def write(ctx: JobContext) -> None:
        if not room.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")

    r = runner(max_attempts=5, retry_base_seconds=0.2, poll_seconds=0.02)
    r.register("write", write)
    caplog.set_level(logging.INFO)
    await r.start()
    job_id = await r.enqueue("write", {})
    job = await _settled(db, job_id, "queued", tried=1)  # waiting for its next attempt
    assert job.attempts >= 1 and job.error == "the disk is full"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR], caplog.text
    room.set()  # space was freed
    assert (await _settled(db, job_id, "succeeded")).status == "succeeded"
