"""The queue functions: what a job's state is after each thing that can happen to it.

Time is passed explicitly (`now=`), so backoff and lease expiry are tested without sleeping.
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from mediaserver.config import Settings
from mediaserver.db.engine import Database, create_database
from mediaserver.db.migrate import upgrade
from mediaserver.jobs import JobPayloadError, queue
from mediaserver.jobs.queue.leases import _backoff

T0 = 1_700_000_000.0
LEASE = 60.0


async def test_enqueue_stores_payload_and_defaults(db: Database) -> None:
    job_id = await queue.enqueue(db, "probe", {"file": 7, "tags": ("a", "b")}, now=T0)
    job = await queue.get(db, job_id)
    assert job is not None
    assert job.payload == {"file": 7, "tags": ["a", "b"]}
    assert (job.status, job.attempts, job.max_attempts, job.run_after) == ("queued", 0, 5, T0)
    assert await queue.get(db, job_id + 1000) is None


@pytest.mark.parametrize("payload", [{"when": object()}, {"ratio": math.nan}, {1, 2}])
async def test_enqueue_refuses_payload_that_is_not_json(db: Database, payload: object) -> None:
    with pytest.raises(JobPayloadError, match="JSON-serialisable"):
        await queue.enqueue(db, "probe", payload)
    assert await queue.list_jobs(db) == []


async def test_enqueue_refuses_bad_type_and_attempts(db: Database) -> None:
    with pytest.raises(ValueError, match="job type"):
        await queue.enqueue(db, "", {})
    with pytest.raises(ValueError, match="max_attempts"):
        await queue.enqueue(db, "probe", {}, max_attempts=0)


async def test_lease_takes_due_jobs_of_known_types_best_priority_first(db: Database) -> None:
    low = await queue.enqueue(db, "probe", {}, now=T0)
    high = await queue.enqueue(db, "probe", {}, priority=5, now=T0)
    later = await queue.enqueue(db, "probe", {}, run_after=T0 + 100, now=T0)
    other = await queue.enqueue(db, "scan", {}, now=T0)

    leased = await queue.lease(db, "w1", ["probe"], 10, LEASE, now=T0)

    assert [j.id for j in leased] == [high, low]
    job = leased[0]
    assert (job.status, job.lease_owner, job.attempts) == ("running", "w1", 1)
    assert job.lease_expires_at == T0 + LEASE
    assert (await queue.get(db, later)).status == "queued"
    assert (await queue.get(db, other)).status == "queued"
    assert await queue.lease(db, "w2", ["probe"], 10, LEASE, now=T0) == []
    assert [j.id for j in await queue.lease(db, "w2", ["probe"], 10, LEASE, now=T0 + 100)] == [
        later
    ]


async def test_lease_respects_limit_and_empty_types(db: Database) -> None:
    for _ in range(3):
        await queue.enqueue(db, "probe", {}, now=T0)
    assert await queue.lease(db, "w1", [], 10, LEASE, now=T0) == []
    assert len(await queue.lease(db, "w1", ["probe"], 2, LEASE, now=T0)) == 2
    assert len(await queue.lease(db, "w1", ["probe"], 2, LEASE, now=T0)) == 1


async def test_progress_is_stored_and_clamped(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)

    assert await queue.set_progress(db, job_id, "w1", 42.5, fps=23.9, eta=12, message="rung 2/4")
    job = await queue.get(db, job_id)
    assert (job.progress, job.fps, job.eta_seconds, job.message) == (42.5, 23.9, 12, "rung 2/4")

    assert await queue.set_progress(db, job_id, "w1", 250, fps=math.inf, message="x" * 900)
    job = await queue.get(db, job_id)
    assert (job.progress, job.fps, len(job.message)) == (100, None, 500)

    assert not await queue.set_progress(db, job_id, "someone-else", 10)
    assert (await queue.get(db, job_id)).progress == 100


async def test_failure_retries_with_exponential_backoff_then_fails(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, max_attempts=3, now=T0)
    now = T0
    for delay in (10, 20):
        [job] = await queue.lease(db, "w1", ["encode"], 1, LEASE, now=now)
        job = await queue.fail(db, job_id, "w1", "disk full", retry_base=10, now=now)
        assert (job.status, job.error, job.run_after) == ("queued", "disk full", now + delay)
        assert job.lease_owner is None
        # Not due before its backoff has passed.
        assert await queue.lease(db, "w1", ["encode"], 1, LEASE, now=now + delay - 1) == []
        now += delay

    [job] = await queue.lease(db, "w1", ["encode"], 1, LEASE, now=now)
    job = await queue.fail(db, job_id, "w1", "disk full again", retry_base=10, now=now)
    assert (job.status, job.attempts, job.error) == ("failed", 3, "disk full again")
    assert job.finished_at == now


async def test_only_the_lease_owner_can_finish_a_job(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    assert await queue.complete(db, job_id, "w2") is None
    assert await queue.fail(db, job_id, "w2", "x", 0) is None
    assert not await queue.heartbeat(db, job_id, "w2", LEASE)
    job = await queue.complete(db, job_id, "w1")
    assert (job.status, job.progress, job.lease_owner) == ("succeeded", 100, None)
    assert await queue.complete(db, job_id, "w1") is None


async def test_cancel_queued_job_is_immediate(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, now=T0)
    job = await queue.cancel(db, job_id, now=T0)
    assert (job.status, job.finished_at) == ("cancelled", T0)
    assert await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0) == []
    assert await queue.cancel(db, 9999) is None


async def test_cancel_running_job_tells_its_worker(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    job = await queue.cancel(db, job_id)
    assert (job.status, job.cancel_requested) == ("running", True)
    # The worker learns it from its next heartbeat or progress update...
    assert not await queue.heartbeat(db, job_id, "w1", LEASE)
    assert not await queue.set_progress(db, job_id, "w1", 50)
    # ...and a failure while stopping ends cancelled, not retried.
    job = await queue.fail(db, job_id, "w1", "interrupted", 0)
    assert job.status == "cancelled"
    # Cancelling a finished job changes nothing.
    assert (await queue.cancel(db, job_id)).status == "cancelled"


async def test_retry_requeues_failed_and_cancelled_jobs_with_fresh_attempts(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, max_attempts=1, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    assert (await queue.fail(db, job_id, "w1", "bad", 0, now=T0)).status == "failed"

    job = await queue.retry(db, job_id, now=T0 + 5)
    assert (job.status, job.attempts, job.error, job.run_after) == ("queued", 0, None, T0 + 5)
    assert await queue.retry(db, job_id) is None  # queued: nothing to retry
    assert len(await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0 + 5)) == 1


async def test_release_owned_requeues_without_counting_an_attempt(db: Database) -> None:
    mine = await queue.enqueue(db, "encode", {}, now=T0)
    theirs = await queue.enqueue(db, "encode", {}, now=T0)
    stopping = await queue.enqueue(db, "encode", {}, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    await queue.lease(db, "w2", ["encode"], 1, LEASE, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    await queue.cancel(db, stopping)

    released = await queue.release_owned(db, "w1", now=T0 + 1)

    assert {j.id: j.status for j in released} == {mine: "queued", stopping: "cancelled"}
    job = await queue.get(db, mine)
    assert (job.attempts, job.lease_owner, job.run_after) == (0, None, T0)
    assert (await queue.get(db, theirs)).status == "running"


async def test_expired_lease_returns_job_and_counts_the_attempt(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, max_attempts=2, now=T0)
    await queue.lease(db, "dead", ["encode"], 1, LEASE, now=T0)

    assert await queue.requeue_expired(db, now=T0 + LEASE - 1) == []
    [job] = await queue.requeue_expired(db, now=T0 + LEASE + 1)
    assert (job.status, job.attempts, job.lease_owner) == ("queued", 1, None)

    # The dead worker waking up cannot touch it any more.
    assert not await queue.heartbeat(db, job_id, "dead", LEASE)
    assert await queue.complete(db, job_id, "dead") is None

    # Second worker dies too: attempts are exhausted, so the job fails instead of looping.
    now = T0 + LEASE + 1
    await queue.lease(db, "dead-too", ["encode"], 1, LEASE, now=now)
    [job] = await queue.requeue_expired(db, now=now + LEASE + 1)
    assert (job.status, job.attempts, job.error) == ("failed", 2, "worker lost")


async def test_heartbeat_keeps_the_lease(db: Database) -> None:
    job_id = await queue.enqueue(db, "encode", {}, now=T0)
    await queue.lease(db, "w1", ["encode"], 1, LEASE, now=T0)
    assert await queue.heartbeat(db, job_id, "w1", LEASE, now=T0 + 50)
    assert await queue.requeue_expired(db, now=T0 + LEASE + 1) == []
    assert (await queue.get(db, job_id)).lease_expires_at == T0 + 50 + LEASE


async def test_list_and_purge(db: Database) -> None:
    old = await queue.enqueue(db, "a", {}, now=T0)
    recent = await queue.enqueue(db, "a", {}, now=T0)
    waiting = await queue.enqueue(db, "a", {}, now=T0)
    await queue.cancel(db, old, now=T0)
    await queue.cancel(db, recent, now=T0 + 1000)

    assert [j.id for j in await queue.list_jobs(db)] == [waiting, recent, old]
    assert [j.id for j in await queue.list_jobs(db, "cancelled", limit=1)] == [recent]
    with pytest.raises(ValueError, match="unknown job status"):
        await queue.list_jobs(db, "done")

    assert await queue.purge_finished(db, older_than=T0 + 500) == 1
    assert [j.id for j in await queue.list_jobs(db)] == [waiting, recent]


async def test_concurrent_leases_from_two_databases_never_share_a_job(settings: Settings) -> None:
    """Two processes (two engines) leasing at once: every job is taken exactly once."""
    first, second = (create_database(settings.database_url) for _ in range(2))
    try:
        await upgrade(first)
        ids = {await queue.enqueue(first, "encode", {"n": n}) for n in range(60)}

        async def take(db: Database, owner: str) -> list[int]:
            got: list[int] = []
            while batch := await queue.lease(db, owner, ["encode"], 3, LEASE):
                got += [j.id for j in batch]
            return got

        results = await asyncio.gather(
            *(take(db, f"w{i}") for i, db in enumerate([first, second] * 3))
        )
        taken = [job_id for got in results for job_id in got]
        assert sorted(taken) == sorted(ids)
    finally:
        await first.close()
        await second.close()


def test_backoff_does_not_overflow() -> None:
    assert _backoff(10, 1) == 10
    assert _backoff(10, 3) == 40
    assert _backoff(10, 10_000) < math.inf
    assert time.time() > T0  # the fixed clock is in the past, so run_after=now jobs are due


async def test_the_same_work_queued_twice_is_one_job(db: Database) -> None:
    first = await queue.enqueue_once(db, "library.scan", {"library_id": 1}, now=T0)
    # Key order does not make it different work.
    again = await queue.enqueue_once(db, "library.scan", {"library_id": 1}, now=T0 + 1)
    assert (first.merged, again.merged) == (False, True)
    assert again.job_id == first.job_id and again.status == "queued"
    other = await queue.enqueue_once(db, "library.scan", {"library_id": 2}, now=T0)
    paths = {"paths": ["/m/a.mkv"], "library_id": 1}
    partial = await queue.enqueue_once(db, "library.scan", paths, now=T0)
    assert not other.merged and not partial.merged
    same_paths = {"library_id": 1, "paths": ["/m/a.mkv"]}
    assert (await queue.enqueue_once(db, "library.scan", same_paths, now=T0)).merged
    assert len(await queue.list_jobs(db)) == 3


async def test_a_running_job_takes_a_repeat_only_when_allowed(db: Database) -> None:
    first = await queue.enqueue_once(db, "library.scan", {"library_id": 1}, now=T0)
    await queue.lease(db, "w1", ["library.scan"], 1, LEASE, now=T0)

    repeat = await queue.enqueue_once(db, "library.scan", {"library_id": 1}, now=T0 + 1)
    assert (repeat.job_id, repeat.status, repeat.merged) == (first.job_id, "running", True)
    # A change the running job may already have passed needs a job of its own.
    fresh = await queue.enqueue_once(
        db, "library.scan", {"library_id": 1}, merge_running=False, now=T0 + 1
    )
    assert not fresh.merged and fresh.job_id != first.job_id

    await queue.complete(db, first.job_id, "w1", now=T0 + 2)
    await queue.cancel(db, fresh.job_id, now=T0 + 2)
    after = await queue.enqueue_once(db, "library.scan", {"library_id": 1}, now=T0 + 3)
    assert not after.merged  # finished jobs are not "the same work" any more


async def test_merging_brings_a_later_job_forward(db: Database) -> None:
    later = await queue.enqueue_once(db, "housekeeping", {}, run_after=T0 + 900, now=T0)
    now = await queue.enqueue_once(db, "housekeeping", {}, now=T0 + 1)
    assert now.job_id == later.job_id
    assert (await queue.get(db, later.job_id)).run_after == T0 + 1


async def test_two_instances_queueing_the_same_work_at_once_make_one_job(
    settings: Settings,
) -> None:
    first, second = (create_database(settings.database_url) for _ in range(2))
    try:
        await upgrade(first)
        results = await asyncio.gather(
            *(
                queue.enqueue_once(database, "library.scan", {"library_id": 7})
                for database in (first, second) * 5
            )
        )
        assert len({r.job_id for r in results}) == 1
        assert sum(not r.merged for r in results) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_periodic_job_is_queued_once_per_interval(db: Database) -> None:
    every = 900.0
    due = await queue.enqueue_if_due(db, "housekeeping", every, now=T0)
    assert due is not None and not due.merged
    # Another instance asking meanwhile finds it queued, then running.
    assert await queue.enqueue_if_due(db, "housekeeping", every, now=T0) is None
    await queue.lease(db, "w1", ["housekeeping"], 1, LEASE, now=T0)
    assert await queue.enqueue_if_due(db, "housekeeping", every, now=T0 + 1) is None
    await queue.complete(db, due.job_id, "w1", now=T0 + 10)

    assert await queue.enqueue_if_due(db, "housekeeping", every, now=T0 + every) is None
    following = await queue.enqueue_if_due(db, "housekeeping", every, now=T0 + 10 + every)
    assert following is not None and following.job_id != due.job_id
