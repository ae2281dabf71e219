"""Housekeeping: one job, queued at start and then periodically, that purges what each domain
keeps only for a while (ended sessions, old plays, finished uploads, finished jobs)."""

from __future__ import annotations

import asyncio
import time

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import libraries, uploads
from mediaserver.db.schema import jobs, sessions
from mediaserver.db.viewer_schema import plays
from mediaserver.jobs import JobRunner, queue
from mediaserver.keys import config_key, db_key, jobs_key
from tests.catalog.player_helpers import signed_in_catalog
from tests.helpers import api

DAY = 86400.0


async def _housekeeping_done(client: TestClient) -> None:
    """Until no housekeeping job is queued or running (the one queued at start included)."""
    db = client.server.app[db_key]
    for _ in range(400):
        active = await queue.list_jobs(db, status=("queued", "running"))
        if not any(j.type == "housekeeping" for j in active):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("housekeeping did not finish")


async def _run_housekeeping(client: TestClient) -> str:
    await _housekeeping_done(client)
    queued = await client.server.app[jobs_key].enqueue_once("housekeeping", {})
    assert not queued.merged
    await _housekeeping_done(client)
    job = await queue.get(client.server.app[db_key], queued.job_id)
    assert job.status == "succeeded", job.error
    return job.message


async def test_housekeeping_ran_at_start_and_purges_only_what_is_older_than_its_settings(
    client: TestClient,
) -> None:
    catalog, csrf = await signed_in_catalog(client)
    app = client.server.app
    db, settings = app[db_key], app[config_key]
    keep = settings.housekeeping
    now = time.time()
    await _housekeeping_done(client)
    assert [j.status for j in await queue.list_jobs(db) if j.type == "housekeeping"] == [
        "succeeded"
    ]

    async with db.write() as conn:
        user_id = (await conn.execute(sa.select(sessions.c.user_id).limit(1))).scalar_one()
        library_id = (await conn.execute(sa.select(libraries.c.id).limit(1))).scalar_one()

        async def session(name: str, **times: float) -> None:
            values = {"created_at": now - 60 * DAY, "last_seen_at": now, "expires_at": now + DAY}
            await conn.execute(
                sessions.insert().values(
                    token_hash=name.ljust(64, "0"),
                    user_id=user_id,
                    csrf_token="x",
                    device_name=name,
                    **(values | times),
                )
            )

        ended_long_ago = now - keep.keep_ended_sessions_days * DAY - 60
        ended_lately = now - keep.keep_ended_sessions_days * DAY + 3600
        await session("expired-old", expires_at=ended_long_ago)
        await session("revoked-old", revoked_at=ended_long_ago)
        await session("expired-lately", expires_at=ended_lately)
        await session("revoked-lately", revoked_at=ended_lately)

        async def upload(token: str, status: str, updated_at: float) -> None:
            await conn.execute(
                uploads.insert().values(
                    token=token,
                    user_id=user_id,
                    library_id=library_id,
                    filename=f"{token}.mkv",
                    client_metadata={},
                    status=status,
                    created_at=updated_at,
                    updated_at=updated_at,
                    expires_at=now + DAY,
                )
            )

        uploads_before = now - keep.keep_finished_uploads_days * DAY
        await upload("done-old", "done", uploads_before - 60)
        await upload("failed-old", "failed", uploads_before - 60)
        await upload("done-lately", "done", uploads_before + 3600)

        async def job(status: str, finished_at: float | None) -> None:
            await conn.execute(
                jobs.insert().values(
                    type="elsewhere.encode",
                    payload={"status": status, "finished_at": finished_at},
                    status=status,
                    run_after=now,
                    created_at=now - 60 * DAY,
                    updated_at=now,
                    finished_at=finished_at,
                )
            )

        jobs_before = now - settings.jobs.keep_finished_days * DAY
        await job("succeeded", jobs_before - 60)
        await job("failed", jobs_before - 60)
        await job("succeeded", jobs_before + 3600)
        await job("queued", None)

    play_ids = []
    for _ in range(2):
        body = {"media_file_id": catalog.heat, "method": "direct"}
        play_ids.append(
            (await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json())["id"]
        )
    async with db.write() as conn:
        plays_before = now - keep.keep_plays_days * DAY
        await conn.execute(
            plays.update().where(plays.c.id == play_ids[0]).values(updated_at=plays_before - 60)
        )

    message = await _run_housekeeping(client)

    assert "ended sessions 2" in message and "old plays 1" in message
    assert "uploads 2" in message and "finished jobs 2" in message
    async with db.read() as conn:
        names = set((await conn.execute(sa.select(sessions.c.device_name))).scalars())
        tokens = set((await conn.execute(sa.select(uploads.c.token))).scalars())
        left_plays = list((await conn.execute(sa.select(plays.c.id))).scalars())
        left_jobs = (
            await conn.execute(sa.select(jobs.c.payload).where(jobs.c.type == "elsewhere.encode"))
        ).scalars()
        statuses = sorted(p["status"] for p in left_jobs)
    assert {"expired-lately", "revoked-lately"} <= names
    assert not names & {"expired-old", "revoked-old"}
    assert tokens == {"done-lately"}
    assert left_plays == [play_ids[1]]
    assert statuses == ["queued", "succeeded"]
    # The signed-in admin's own session is untouched.
    assert (await client.get("/api/v1/jobs")).status == 200


async def test_several_instances_starting_at_once_queue_one_housekeeping(db, settings) -> None:
    runners = [JobRunner(db, settings.jobs.model_copy(update={"concurrency": 0})) for _ in range(3)]
    for runner in runners:
        runner.schedule("housekeeping", 900)
    await asyncio.gather(*(runner.start() for runner in runners))
    try:
        found = [j for j in await queue.list_jobs(db) if j.type == "housekeeping"]
        assert [j.status for j in found] == ["queued"]
    finally:
        for runner in runners:
            await runner.stop()
