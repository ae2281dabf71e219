"""The admin dashboard shows who watches what and where they are, the jobs, the machine and its
alerts, live over Server-Sent Events and as JSON; only administrators see it."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from mediaserver.admin.dashboard import EncoderNow
from mediaserver.admin.live import dashboard_feed_key
from mediaserver.admin.now import alerts_for
from mediaserver.db.schema import jobs
from mediaserver.keys import db_key
from tests.helpers import api, csrf_from, setup_with_user, sign_in
from tests.media_factory import make_video
from tests.packaging.helpers import sign_in_with_profile
from tests.streaming.helpers import add_probed_file, publish_ladder

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dash")
    return make_video(
        folder / "Heat (1995).mp4", seconds=50, fps=5, width=160, height=120, container="mp4",
        subtitle_tracks=(), faststart=True,
    )  # fmt: skip


async def _until(client, check, timeout: float = 10.0) -> dict:
    """The dashboard JSON once `check(it)` holds (the player's reports are written in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        data = await (await client.get("/api/v1/admin/dashboard")).json()
        if check(data):
            return data
        assert time.monotonic() < deadline, json.dumps(data)[:3000]
        await asyncio.sleep(0.05)


async def _start_play(client, tmp_path: Path, clip: Path) -> int:
    """A title played through the playback API; the player's play reports it paused at 42.5 s.
    Returns the play's id."""
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copyfile(clip, folder / clip.name)
    file_id = await add_probed_file(client.server.app[db_key], folder, folder / clip.name)
    await publish_ladder(client, file_id)
    csrf = await csrf_from(client, "/profiles")
    headers = {"X-CSRF-Token": csrf, "User-Agent": FIREFOX}
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers=headers)
    assert resp.status == 200, await resp.text()
    # The player starts its play and reports where it is, paused.
    body = {"media_file_id": file_id, "method": "ladder"}
    resp = await client.post("/api/v1/plays", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    play_id = (await resp.json())["id"]
    report = {"position": 42.5, "paused": True, "play_id": play_id}
    resp = await api(client, "PUT", f"/api/v1/progress/{file_id}", report, csrf=csrf)
    assert resp.status == 200, await resp.text()
    return play_id


async def test_a_started_play_shows_who_what_how_and_where(client, tmp_path, clip) -> None:
    await sign_in_with_profile(client)
    client.server.app[dashboard_feed_key].summaries.max_age = 0  # count again on every ask
    data = await _until(client, lambda d: d["now"]["plays"] == [])
    assert "Nobody is watching right now." in await (await client.get("/admin")).text()

    play_id = await _start_play(client, tmp_path, clip)
    data = await _until(client, lambda d: d["now"]["plays"] and d["now"]["plays"][0]["paused"])
    (play,) = data["now"]["plays"]
    assert play["user"] == "admin" and play["title"].startswith("Heat")
    assert play["method"] == "ladder" and "packaged" in play["reason"]
    assert play["device"] == "Firefox on Windows"
    assert play["position_seconds"] == pytest.approx(42.5)  # paused: not carried forward
    # Today's count follows (counted in the background, again on every ask here).
    await _until(client, lambda d: d["summary"]["today"]["current"]["plays"] == 1)
    page = await (await client.get("/admin")).text()
    assert "Firefox on Windows" in page and "Paused" in page and "0:42" in page
    assert 'data-live-url="/admin/dashboard/events"' in page

    # Watched to the end: it leaves the list (its media token would still work for a while).
    csrf = await csrf_from(client, "/profiles")
    resp = await api(client, "PUT", f"/api/v1/plays/{play_id}", {"ended": True}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    await _until(client, lambda d: d["now"]["plays"] == [])


async def test_jobs_and_a_failed_job_alert(client) -> None:
    await sign_in_with_profile(client)
    db = client.server.app[db_key]
    now = time.time()
    common = {"payload": {}, "run_after": now + 3600, "created_at": now, "updated_at": now}
    async with db.write() as conn:
        for job_type in ("library.scan", "media.package", "media.package"):
            await conn.execute(jobs.insert().values(type=job_type, status="queued", **common))
        # A job that another worker runs (its lease is far off, so nobody here takes it).
        await conn.execute(
            jobs.insert().values(
                type="test.encode", status="running", progress=42.0, fps=24.0,
                message="encoding 720p", lease_owner="elsewhere", lease_expires_at=now + 3600,
                started_at=now, **common,
            )
        )  # fmt: skip
        await conn.execute(
            jobs.insert().values(
                type="library.scan", status="failed", error="the folder <b>vanished</b>",
                finished_at=now - 60, **common,
            )
        )  # fmt: skip
    data = await _until(client, lambda d: d["now"]["jobs"]["queued_count"] == 3)
    assert data["now"]["jobs"]["failed_recently"] == 1
    (running,) = data["now"]["jobs"]["running"]
    assert running["type"] == "test.encode" and running["progress"] == 42.0
    (alert,) = [a for a in data["now"]["alerts"] if a["kind"] == "failed_jobs"]
    assert alert["level"] == "error" and "1 job failed" in alert["message"]
    assert "the folder <b>vanished</b>" in alert["message"]
    page = await (await client.get("/admin")).text()
    assert "1 job failed in the last 24 hours" in page
    assert "encoding 720p" in page and "42%" in page and "3 queued" in page
    assert "&lt;b&gt;vanished&lt;/b&gt;" in page and "<b>vanished" not in page


async def test_low_disk_alert(make_app, aiohttp_client, monkeypatch) -> None:
    free = [10 << 20]  # 10 MiB
    real_usage = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real_usage(p)._replace(free=free[0]))
    client = await aiohttp_client(make_app())
    await sign_in_with_profile(client)
    data = await _until(client, lambda d: any(a["kind"] == "low_disk" for a in d["now"]["alerts"]))
    messages = [a["message"] for a in data["now"]["alerts"] if a["kind"] == "low_disk"]
    assert any("Data folder" in m and "10 MiB free" in m for m in messages)
    assert all(f["free_bytes"] == 10 << 20 for f in data["now"]["folders"])
    free[0] = 50 << 30  # space was freed
    await _until(client, lambda d: not any(a["kind"] == "low_disk" for a in d["now"]["alerts"]))


async def test_events_stream_a_play_as_it_starts(client, tmp_path, clip) -> None:
    await sign_in_with_profile(client)
    async with client.get("/admin/dashboard/events") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")

        async def next_event() -> dict:
            while True:
                line = (await asyncio.wait_for(resp.content.readline(), 10)).decode()
                if line.startswith("data: "):
                    return json.loads(line.removeprefix("data: "))

        first = await next_event()
        assert "Nobody is watching right now." in first["html"]
        await _start_play(client, tmp_path, clip)
        while "Firefox on Windows" not in (event := await next_event())["html"]:
            assert event["at"] >= first["at"]
        assert 'data-panel="plays"' in event["html"] and "Heat" in event["html"]
        # Today's and this week's figures come with the stream once counted (in the background).
        while "This week" not in (event := await next_event())["html"]:
            assert "Counting today" in event["html"]


async def test_only_administrators(client) -> None:
    """A plain user is refused (403), as on every admin page; a stranger is sent to sign in."""
    await setup_with_user(client)  # signed in as alice, a plain user
    for path in ("/admin", "/admin/dashboard/events", "/api/v1/admin/dashboard"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 403, path
        assert "Watching now" not in await resp.text()
    client.session.cookie_jar.clear()
    resp = await client.get("/admin/dashboard/events", allow_redirects=False)
    assert resp.status == 303 and "event-stream" not in resp.headers["Content-Type"]
    assert (await client.get("/api/v1/admin/dashboard")).status == 401
    await sign_in(client, "admin", "admin-password-1")
    assert (await client.get("/api/v1/admin/dashboard")).status == 200


def test_alerts_for_an_encoder_that_does_not_work() -> None:
    """A hardware encoder named in the settings that fails is an alert; auto finding none is
    not (a machine without one), nor is detection still running."""
    lost = EncoderNow("libx264", None, "nvenc", "Cannot load libcuda.so.1", detecting=False)
    (alert,) = alerts_for([], [], lost)
    assert alert.kind == "encoder" and "nvenc" in alert.message and "libcuda" in alert.message
    for fine in (
        EncoderNow("libx264", None, "auto", "no hardware encoder found", detecting=False),
        EncoderNow("libx264", None, "nvenc", "detecting", detecting=True),
        EncoderNow("h264_nvenc", "nvenc", "nvenc", "", detecting=False),
    ):
        assert alerts_for([], [], fine) == ()
