"""The admin jobs page and API: live progress over SSE, cancel and retry, admins only."""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp.test_utils import TestClient

from mediaserver.jobs import queue
from mediaserver.keys import db_key, jobs_key
from tests.helpers import api, csrf_from, setup_admin, setup_with_user, use_session


async def _read_events(resp, until, timeout: float = 10.0) -> list[dict]:
    """Read SSE `job` events until `until(events)` is true."""
    events: list[dict] = []
    buffer = ""

    async def pump() -> None:
        nonlocal buffer
        while not until(events):
            chunk = await resp.content.readany()
            assert chunk, "stream ended"
            buffer += chunk.decode()
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
                if lines.get("event") == "job":
                    events.append(json.loads(lines["data"]))

    await asyncio.wait_for(pump(), timeout)
    return events


async def test_progress_reaches_the_admin_page_live(client: TestClient) -> None:
    await setup_admin(client)
    app = client.server.app
    release = asyncio.Event()

    async def encode(ctx) -> None:
        await ctx.progress(42.0, fps=120.0, eta=75, message="encoding 720p")
        await release.wait()

    app[jobs_key].register("test.encode", encode)
    page = await client.get("/admin/jobs")
    # Housekeeping ran at start, and shows like any other job.
    assert page.status == 200 and "<code>housekeeping</code>" in await page.text()

    stream = await client.get("/admin/jobs/events")
    assert stream.headers["Content-Type"] == "text/event-stream"
    job_id = await app[jobs_key].enqueue("test.encode", {"file": 1})
    events = await _read_events(stream, lambda ev: any(e["progress"] == 42.0 for e in ev))
    live = [e for e in events if e["id"] == job_id][-1]
    assert (
        live["status"] == "running" and live["fps"] == 120.0 and live["message"] == "encoding 720p"
    )

    # A full page load shows the same job with its progress and a Cancel button.
    html = await (await client.get("/admin/jobs")).text()
    assert f'id="job-{job_id}"' in html and "encoding 720p" in html and ">Cancel<" in html
    release.set()
    events = await _read_events(stream, lambda ev: any(e["status"] == "succeeded" for e in ev))
    stream.close()


async def test_a_finished_job_shows_its_result_never_a_step_it_passed(client: TestClient) -> None:
    """A job that ended after reporting "publishing" shows "Done", not "publishing"; one that
    reported its result at 100 % shows that result."""
    await setup_admin(client)
    app = client.server.app

    async def package(ctx) -> None:
        await ctx.progress(95.0, message="publishing")

    async def package_and_say(ctx) -> None:
        await ctx.progress(95.0, message="publishing")
        await ctx.progress(100.0, message="published 4 rungs")

    app[jobs_key].register("test.package", package)
    app[jobs_key].register("test.package_and_say", package_and_say)
    silent = await app[jobs_key].enqueue("test.package", {})
    said = await app[jobs_key].enqueue("test.package_and_say", {})
    db = app[db_key]
    deadline = time.monotonic() + 10
    while {(await queue.get(db, i)).status for i in (silent, said)} != {"succeeded"}:
        assert time.monotonic() < deadline, "jobs did not finish"
        await asyncio.sleep(0.05)

    html = await (await client.get("/admin/jobs")).text()

    def message(job_id: int) -> str:
        row = html.split(f'id="job-{job_id}"', 1)[1].split("</tr>", 1)[0]
        return row.split('<td class="job-message">', 1)[1].split("</td>", 1)[0]

    assert message(silent) == "Done"
    assert message(said) == "published 4 rungs"
    body = await (await client.get(f"/api/v1/jobs/{silent}")).json()
    assert "publishing" not in json.dumps(body)


async def test_cancel_running_job_from_the_page(client: TestClient) -> None:
    await setup_admin(client)
    app = client.server.app
    started = asyncio.Event()

    async def forever(ctx) -> None:
        started.set()
        await asyncio.sleep(3600)

    app[jobs_key].register("test.forever", forever)
    job_id = await app[jobs_key].enqueue("test.forever", {})
    await asyncio.wait_for(started.wait(), 10)
    token = await csrf_from(client, "/admin/jobs")
    resp = await client.post(
        f"/admin/jobs/{job_id}/cancel", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert resp.status == 200 and f'id="job-{job_id}"' in await resp.text()
    for _ in range(100):
        job = await queue.get(app[db_key], job_id)
        if job.status == "cancelled":
            break
        await asyncio.sleep(0.05)
    assert job.status == "cancelled"
    # Retry puts it back in the queue; the API says so.
    resp = await api(client, "POST", f"/api/v1/jobs/{job_id}/retry", csrf=token)
    assert resp.status == 200 and (await resp.json())["status"] in ("queued", "running")


async def test_jobs_api_and_bad_input(client: TestClient) -> None:
    await setup_admin(client)
    app = client.server.app
    job_id = await queue.enqueue(app[db_key], "nobody.runs.this", {"x": 1})
    listed = await (await client.get("/api/v1/jobs?status=queued")).json()
    assert [j["id"] for j in listed["jobs"] if j["type"] != "housekeeping"] == [job_id]
    assert listed["jobs"][0]["payload"] == {"x": 1}
    resp = await client.get("/api/v1/jobs?status=exploded")
    assert resp.status == 400 and "Unknown status" in (await resp.json())["detail"]
    assert (await client.get("/api/v1/jobs/999999")).status == 404
    assert (await client.get("/api/v1/jobs/abc")).status == 404
    token = await csrf_from(client, "/admin/jobs")
    resp = await api(client, "POST", f"/api/v1/jobs/{job_id}/retry", csrf=token)
    assert resp.status == 400 and "cannot be retried" in (await resp.json())["detail"]


async def test_jobs_are_for_admins_only(client: TestClient) -> None:
    _, user_session, _ = await setup_with_user(client)
    use_session(client, user_session)
    assert (await client.get("/admin/jobs")).status == 403
    assert (await client.get("/admin/jobs/events")).status == 403
    assert (await client.get("/api/v1/jobs")).status == 403


async def test_a_job_whose_worker_died_shows_lost_on_the_page_and_in_the_api(
    client: TestClient,
) -> None:
    await setup_admin(client)
    app = client.server.app
    db, lost_after = app[db_key], app[jobs_key].lost_after
    assert lost_after <= 15  # seconds, not the 60 s lease
    # Its worker leased it and stopped heartbeating a little longer ago than that.
    then = time.time() - lost_after - 1
    job_id = await queue.enqueue(db, "elsewhere.encode", {}, now=then)
    await queue.lease(db, "dead-worker", ["elsewhere.encode"], 1, 60, now=then)

    job = await (await client.get(f"/api/v1/jobs/{job_id}")).json()
    assert (job["status"], job["lost"]) == ("running", True)
    html = await (await client.get("/admin/jobs")).text()
    row = html[html.index(f'id="job-{job_id}"') :]
    assert "worker lost</span>" in row[: row.index("</tr>")]
    badge = row[row.index('class="badge job-lost') :]
    assert "hidden" not in badge[: badge.index(">")]

    # A heartbeat from the worker and it is not lost any more.
    await queue.heartbeat(db, job_id, "dead-worker", 60)
    assert not (await (await client.get(f"/api/v1/jobs/{job_id}")).json())["lost"]
