"""Plays, on-the-fly sessions and the job queue as /metrics shows them; a stream stop audited."""

from __future__ import annotations

import asyncio

from mediaserver.keys import db_key, jobs_key
from mediaserver.metrics import metrics_state_key
from tests.helpers import csrf_from
from tests.metrics.test_metrics_endpoint import families, sample
from tests.streaming.conftest import clips, media_dir, place, sclient  # noqa: F401 - fixtures
from tests.streaming.helpers import add_probed_file, play

PLAYS = "mediaserver_active_plays"


async def test_a_play_shows_by_method_and_its_stop_is_audited(sclient, place, media_dir):  # noqa: F811
    app = sclient.server.app
    file_id = await add_probed_file(app[db_key], media_dir, place("mp4", "Heat.mp4"))
    before = families(await (await sclient.get("/metrics")).text())
    assert sample(before, PLAYS, PLAYS, method="direct") == 0

    data = await play(sclient, file_id)
    fams = families(await (await sclient.get("/metrics")).text())
    assert sample(fams, PLAYS, PLAYS, method=data["method"]) == 1

    csrf = await csrf_from(sclient, "/admin/streams")
    resp = await sclient.post(
        f"/api/v1/admin/streams/{data['play_id']}/stop", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    fams = families(await (await sclient.get("/metrics")).text())
    assert sample(fams, PLAYS, PLAYS, method=data["method"]) == 0

    entries = (await (await sclient.get("/api/v1/admin/audit?action=stream.")).json())["entries"]
    (entry,) = entries
    assert entry["action"] == "stream.stop" and entry["actor_name"] == "admin"
    assert data["play_id"] in entry["target"] and "Heat" in entry["target"]
    assert entry["address"] == "127.0.0.1"


async def test_job_queue_depth_and_durations(sclient):  # noqa: F811
    app = sclient.server.app
    runner = app[jobs_key]

    async def quick(ctx) -> None:
        return None

    runner.register("test.metrics-quick", quick, lane="light")
    await runner.enqueue("test.metrics-never", {})  # no handler here: it stays queued
    await runner.enqueue("test.metrics-quick", {})
    durations = "mediaserver_job_duration_seconds"
    count = None
    for _ in range(100):
        fams = families(await (await sclient.get("/metrics")).text())
        count = sample(
            fams, durations, durations + "_count", type="test.metrics-quick", outcome="succeeded"
        )
        if count:
            break
        await asyncio.sleep(0.05)
    assert count == 1
    await app[metrics_state_key].snapshots.refresh()  # the cached queue figures, read now
    fams = families(await (await sclient.get("/metrics")).text())
    depth = "mediaserver_job_queue_depth"
    assert sample(fams, depth, depth, type="test.metrics-never", lane="heavy", state="queued") == 1
    quick_queued = sample(fams, depth, depth, type="test.metrics-quick", state="queued")
    assert quick_queued is None
