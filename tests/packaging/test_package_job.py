"""The "media.package" job end to end: a preencode library is scanned, the file is packaged and
published in one step, and the published ladder plays over HTTP from the running server. Also:
crashes and cancellation leave nothing half-published, bad sources fail with a reason."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import time
from pathlib import Path

import av
import m3u8
import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import images, media_files
from mediaserver.db.schema import jobs as jobs_table
from mediaserver.jobs import queue
from mediaserver.jobs.model import job_from_row
from mediaserver.keys import config_key, db_key, jobs_key, storage_key
from mediaserver.packaging import jobs as packaging_jobs
from mediaserver.packaging import store
from mediaserver.packaging.jobs import PACKAGE_JOB
from mediaserver.packaging.leftovers import cleanup_leftovers, work_root
from mediaserver.packaging.work import PackagingFailed
from mediaserver.storage.base import StorageFull
from mediaserver.storage.factory import create_storage
from tests.helpers import api, csrf_from, use_session
from tests.media_factory import make_truncated, make_video
from tests.packaging.helpers import sign_in_with_profile
from tests.streaming.helpers import play

SRT = (
    "1\n00:00:00,500 --> 00:00:02,000\nHallo <b>Welt</b>\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nZwei\n"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s clip with two embedded text subtitle streams and one audio track."""
    return make_video(
        tmp_path_factory.mktemp("clips") / "clip.mkv",
        seconds=6,
        width=320,
        height=240,
        fps=24,
        subtitle_tracks=(("eng", False), ("spa", True)),
    )


@pytest.fixture
async def pclient(make_app, aiohttp_client):
    app = make_app(library={"watch": False})
    client = await aiohttp_client(app)
    client.session_cookie = await sign_in_with_profile(client)  # type: ignore[attr-defined]
    return client


def movie_folder(root: Path, clip: Path, name: str = "Big Test (2020)") -> Path:
    folder = root / "movies" / name
    folder.mkdir(parents=True)
    (folder / f"{name}.mkv").write_bytes(clip.read_bytes())
    (folder / f"{name}.ger.srt").write_text(SRT, encoding="utf-8")
    # A VobSub pair: picture subtitles, which can only be burned in.
    (folder / f"{name}.fre.idx").write_text("# VobSub index file, v7\n", encoding="utf-8")
    (folder / f"{name}.fre.sub").write_bytes(b"\x00\x00\x01\xba" + b"\x00" * 60)
    return folder


async def add_library(client, folder: Path, policy: str, name: str = "Movies") -> int:
    csrf = await csrf_from(client, "/admin/libraries/new")
    resp = await api(
        client,
        "POST",
        "/api/v1/libraries",
        {"name": name, "kind": "movies", "paths": [str(folder)], "policy": policy},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"]


async def wait_idle(app, timeout: float = 120.0) -> list:
    """Until no job is queued or running; returns every job."""
    db = app[db_key]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = await _all_jobs(db)
        if jobs and all(j.status not in ("queued", "running") for j in jobs):
            return jobs
        await asyncio.sleep(0.1)
    raise AssertionError(f"jobs did not finish: {await _all_jobs(db)}")


async def _all_jobs(db) -> list:

    async with db.read() as conn:
        return [job_from_row(r) for r in await conn.execute(sa.select(jobs_table))]


async def wait_job(app, job_id: int, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await queue.get(app[db_key], job_id)
        if job is not None and job.finished:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def file_ids(app) -> list[int]:
    async with app[db_key].read() as conn:
        return [r.id for r in await conn.execute(sa.select(media_files.c.id))]


async def storage_keys(app, prefix: str) -> list[str]:
    return [info.key async for info in app[storage_key].list_prefix(prefix)]


def read_all_frames(url: str) -> tuple[int, float]:
    """PyAV reads the master playlist over HTTP, as a player would (no cookies: the signed URL
    is the credential): (video frames, last time)."""
    options = {"protocol_whitelist": "http,tcp,file,crypto"}
    frames, last = 0, 0.0
    with av.open(url, options=options, timeout=20) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            frames += 1
            if frame.time is not None:
                last = max(last, frame.time)
    return frames, last


async def test_preencode_scan_packages_publishes_and_plays(pclient, clip, tmp_path):
    app = pclient.app
    folder = movie_folder(tmp_path, clip)
    other = tmp_path / "otf"
    movie_folder(other, clip, "Not Packaged (2021)")
    await add_library(pclient, folder.parent, "preencode")
    await add_library(pclient, other / "movies", "on_the_fly", name="Live only")
    jobs = await wait_idle(app)
    assert all(j.status == "succeeded" for j in jobs), [(j.type, j.error) for j in jobs]
    package_jobs = [j for j in jobs if j.type == PACKAGE_JOB]
    assert len(package_jobs) == 1  # the on_the_fly library's file is not packaged
    media_file_id = package_jobs[0].payload["media_file_id"]

    ladder = await store.get_ladder(app[db_key], media_file_id)
    assert ladder is not None and ladder.status == "ready" and ladder.published
    assert ladder.error is None
    assert [r.name for r in ladder.rungs] == ["240p"] or ladder.rungs
    assert ladder.audio and ladder.duration_seconds == pytest.approx(6, abs=0.2)
    subs = {s.language: s for s in ladder.subtitles}
    assert set(subs) >= {"eng", "spa", "ger", "fre"}
    assert subs["fre"].burn_in_only is True and subs["fre"].key is None
    for lang in ("eng", "spa", "ger"):
        assert subs[lang].burn_in_only is False and subs[lang].key.endswith("/subs.vtt")
    assert subs["spa"].forced is True
    assert ladder.posters and ladder.poster_key.endswith(".webp")
    assert ladder.trickplay and ladder.trickplay.vtt.endswith("thumbnails.vtt")

    # Everything the row names exists under the published prefix; nothing is left elsewhere.
    keys = set(await storage_keys(app, f"ladders/{media_file_id}"))
    for s in subs.values():
        if s.key:
            assert s.key in keys and s.playlist_key in keys
    assert ladder.poster_key in keys and ladder.trickplay.vtt in keys
    assert await storage_keys(app, "staging") == []
    assert not any(work_root(app[config_key]).iterdir())

    # Posters went into the images table beside the still the scan picked; one is selected.
    async with app[db_key].read() as conn:
        rows = (await conn.execute(sa.select(images).where(images.c.source == "generated"))).all()
    assert re.fullmatch(rf"ladders/{media_file_id}/v\d+", ladder.storage_prefix)
    from_ladder = [r for r in rows if r.location.startswith(f"{ladder.storage_prefix}/posters/")]
    assert from_ladder
    of_title = [r for r in rows if r.title_id == from_ladder[0].title_id]
    assert sum(r.is_selected for r in of_title) == 1, of_title

    # The playback API hands out the ladder with a signed URL; no cookie is needed to fetch it.
    played = await play(pclient, media_file_id)
    assert played["method"] == "ladder" and played["type"] == "hls"
    master_url = played["url"]
    assert master_url.startswith("/media/t/") and master_url.endswith("/ladder/master.m3u8")
    base = master_url.removesuffix("/master.m3u8")
    pclient.session.cookie_jar.clear()  # what follows carries no cookie, as a Cast receiver

    # The master parses as players parse it and names every rendition.
    resp = await pclient.get(master_url)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    master = m3u8.loads(await resp.text())
    assert master.is_variant and master.playlists
    for variant in master.playlists:
        info = variant.stream_info
        assert info.bandwidth and info.average_bandwidth and info.codecs and info.resolution
        media = await pclient.get(f"{base}/{variant.uri}")
        assert media.status == 200
        assert m3u8.loads(await media.text()).segments
    languages = {m.language for m in master.media if m.type == "SUBTITLES"}
    assert len(languages) == 3
    vtt = await pclient.get(f"{base}/" + subs["ger"].key.removeprefix(ladder.storage_prefix + "/"))
    assert vtt.status == 200 and "Hallo <b>Welt</b>" in await vtt.text()
    resp = await pclient.get(f"{base}/manifest.mpd")
    assert resp.status == 200 and "<MPD" in await resp.text()

    # A player reads the master over HTTP from the running server, start to end.
    url = str(pclient.make_url(master_url))
    frames, last = await asyncio.to_thread(read_all_frames, url)
    assert frames == pytest.approx(6 * 24, abs=2)
    assert last == pytest.approx(6, abs=0.2)

    # The status JSON and the admin page (signed in again).
    use_session(pclient, pclient.session_cookie)
    data = await (await pclient.get(f"/api/v1/media/{media_file_id}/ladder")).json()
    assert data["status"] == "ready" and data["published"]
    assert any(s["burn_in_only"] for s in data["subtitles"])
    page = await (await pclient.get("/admin/packaging")).text()
    assert "Big Test" in page and "libx264" in page and "burn-in only" in page


async def _scanned_file(pclient, clip, tmp_path, policy: str = "on_the_fly") -> int:
    folder = movie_folder(tmp_path, clip)
    await add_library(pclient, folder.parent, policy)
    await wait_idle(pclient.app)
    return (await file_ids(pclient.app))[0]


async def test_crash_mid_job_leaves_nothing_published_and_restart_cleans(
    pclient, clip, tmp_path, monkeypatch, make_app, aiohttp_client
):
    app = pclient.app
    media_file_id = await _scanned_file(pclient, clip, tmp_path)
    real_put = app[storage_key].put_file
    uploaded: list[str] = []

    async def dying_put(key, src):
        if len(uploaded) >= 5:
            raise RuntimeError("killed")  # the process "dies" halfway through the upload
        uploaded.append(key)
        return await real_put(key, src)

    async def no_cleanup(*args):  # a killed process runs no finally blocks
        return None

    monkeypatch.setattr(app[storage_key], "put_file", dying_put)
    monkeypatch.setattr(packaging_jobs, "UPLOAD_CONCURRENCY", 1)  # deterministic: 5 land
    monkeypatch.setattr(packaging_jobs, "_cleanup", no_cleanup)
    job_id = await app[jobs_key].enqueue(
        PACKAGE_JOB, {"media_file_id": media_file_id}, max_attempts=1
    )
    job = await wait_job(app, job_id)
    assert job.status == "failed"
    assert len(uploaded) == 5 and all(k.startswith(f"staging/{job_id}/") for k in uploaded)
    assert await storage_keys(app, f"ladders/{media_file_id}") == []  # nothing half-published
    assert await storage_keys(app, f"staging/{job_id}")  # what a kill leaves behind
    assert (work_root(app[config_key]) / str(job_id)).is_dir()

    # "Restart": start-up cleanup removes the dead job's leftovers.
    removed = await cleanup_leftovers(app[db_key], app[storage_key], app[config_key])
    assert removed == 2
    assert await storage_keys(app, "staging") == []
    assert not (work_root(app[config_key]) / str(job_id)).exists()


async def test_leftovers_of_live_jobs_survive_startup_cleanup(db, settings):

    storage = create_storage(settings)
    live = await queue.enqueue(db, PACKAGE_JOB, {"media_file_id": 1})
    dead = await queue.enqueue(db, PACKAGE_JOB, {"media_file_id": 2})
    leased = await queue.lease(db, "other-process", [PACKAGE_JOB], 2, 60)
    assert {j.id for j in leased} == {live, dead}

    async with db.write() as conn:  # the dead one's worker stopped heartbeating long ago
        await conn.execute(
            jobs_table.update().where(jobs_table.c.id == dead).values(lease_expires_at=1.0)
        )
    root = work_root(settings)
    for job_id in (live, dead, 999):
        (root / str(job_id)).mkdir(parents=True)
        await storage.put_bytes(f"staging/{job_id}/master.m3u8", b"#EXTM3U\n")
    (root / "notes").mkdir()
    removed = await cleanup_leftovers(db, storage, settings)
    assert removed == 4
    assert (root / str(live)).is_dir() and not (root / str(dead)).exists()
    assert not (root / "999").exists() and (root / "notes").is_dir()
    assert [i.key async for i in storage.list_prefix("staging")] == [f"staging/{live}/master.m3u8"]


@pytest.mark.slow  # encodes a 40 s 720p clip
async def test_cancel_mid_job_stops_and_cleans(pclient, tmp_path):
    app = pclient.app
    long_clip = make_video(
        tmp_path / "long.mkv", seconds=40, width=1280, height=720, fps=30, subtitle_tracks=()
    )
    media_file_id = await _scanned_file(pclient, long_clip, tmp_path)
    job_id = await app[jobs_key].enqueue(PACKAGE_JOB, {"media_file_id": media_file_id})
    deadline = time.monotonic() + 60
    while True:
        job = await queue.get(app[db_key], job_id)
        if job.status == "running" and job.progress > 5:
            break
        assert time.monotonic() < deadline and not job.finished, job
        await asyncio.sleep(0.05)
    assert job.fps and job.eta_seconds is not None  # fps and ETA reach the jobs page
    started = time.monotonic()
    await app[jobs_key].cancel(job_id)
    job = await wait_job(app, job_id, timeout=30)
    assert job.status == "cancelled"
    assert time.monotonic() - started < 10  # the encoder thread noticed promptly
    assert await storage_keys(app, f"ladders/{media_file_id}") == []
    assert await storage_keys(app, "staging") == []
    assert not (work_root(app[config_key]) / str(job_id)).exists()
    ladder = await store.get_ladder(app[db_key], media_file_id)
    assert ladder.status == "failed" and ladder.error == "cancelled" and not ladder.published


async def test_truncated_source_fails_once_with_a_reason(pclient, clip, tmp_path, caplog):
    app = pclient.app
    media_file_id = await _scanned_file(pclient, clip, tmp_path)
    source = await store.load_source(app[db_key], media_file_id, app[config_key].paths.data_dir)
    whole = Path(source.path).read_bytes()
    make_truncated(clip, source.path, len(whole) // 3)  # cut short after the scan saw it whole
    caplog.set_level(logging.WARNING)
    job_id = await app[jobs_key].enqueue(
        PACKAGE_JOB, {"media_file_id": media_file_id}, max_attempts=5
    )
    job = await wait_job(app, job_id)
    # Encoding it again would fail the same way: one attempt, its reason, one line in the log.
    assert job.status == "failed" and job.attempts == 1
    assert job.error and "Traceback" not in job.error and "truncated" in job.error, job.error
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert [r for r in caplog.records if job.error in r.getMessage() and not r.exc_info]
    ladder = await store.get_ladder(app[db_key], media_file_id)
    assert ladder.status == "failed" and ladder.error == job.error
    assert await storage_keys(app, "staging") == []
    assert await storage_keys(app, f"ladders/{media_file_id}") == []
    assert not (work_root(app[config_key]) / str(job_id)).exists()
    # The server keeps serving everything else.
    assert (await pclient.get("/health")).status == 200


async def _until_retried(app, job_id: int):
    deadline = time.monotonic() + 60
    while True:
        job = await queue.get(app[db_key], job_id)
        if job.attempts >= 1 and job.status == "queued":
            return job
        assert time.monotonic() < deadline and not job.finished, job
        await asyncio.sleep(0.05)


async def test_full_storage_fails_packaging_for_now_with_the_reason(
    pclient, clip, tmp_path, monkeypatch, caplog
):
    app = pclient.app
    media_file_id = await _scanned_file(pclient, clip, tmp_path)
    storage = app[storage_key]

    async def no_room(key: str, source: Path) -> None:
        raise StorageFull(f"no space left to put {key!r}")

    monkeypatch.setattr(storage, "put_file", no_room)
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(app[jobs_key].settings, "retry_base_seconds", 60.0)  # stays queued
    job_id = await app[jobs_key].enqueue(PACKAGE_JOB, {"media_file_id": media_file_id})
    job = await _until_retried(app, job_id)  # to be tried again later, not failed for good
    assert job.error == "the disk is full"
    ladder = await store.get_ladder(app[db_key], media_file_id)
    assert ladder.error == "the disk is full" and not ladder.published
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_muxer_that_lost_its_write_error_still_says_the_disk_is_full(
    pclient, clip, tmp_path, monkeypatch
):
    app = pclient.app
    media_file_id = await _scanned_file(pclient, clip, tmp_path)

    def lost_write(*args):
        raise PackagingFailed("the written segments cannot be read back: box mdat overruns")

    real_usage = shutil.disk_usage

    def full(path):  # the work folder's disk: 1 MiB left
        return real_usage(path)._replace(free=1 << 20)

    monkeypatch.setattr(packaging_jobs, "package_into", lost_write)
    monkeypatch.setattr(shutil, "disk_usage", full)
    monkeypatch.setattr(app[jobs_key].settings, "retry_base_seconds", 60.0)  # stays queued
    job_id = await app[jobs_key].enqueue(PACKAGE_JOB, {"media_file_id": media_file_id})
    job = await _until_retried(app, job_id)
    assert job.error == "the disk is full"
    assert (await store.get_ladder(app[db_key], media_file_id)).error == "the disk is full"


async def test_repackage_replaces_the_ladder_and_its_generated_posters(pclient, clip, tmp_path):
    app = pclient.app
    media_file_id = await _scanned_file(pclient, clip, tmp_path, policy="hybrid")
    first = await store.get_ladder(app[db_key], media_file_id)
    assert first.status == "ready"
    csrf = await csrf_from(pclient, "/admin/packaging")
    resp = await pclient.post(
        f"/admin/packaging/{media_file_id}", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    await wait_idle(app)
    second = await store.get_ladder(app[db_key], media_file_id)
    assert second.status == "ready" and second.published_at > first.published_at
    async with app[db_key].read() as conn:
        rows = (await conn.execute(sa.select(images).where(images.c.source == "generated"))).all()
    from_ladders = [r for r in rows if r.location.startswith("ladders/")]
    assert len(from_ladders) == len(second.posters)  # replaced, not piled up
    # A new publish gets new URLs (segments are cached as immutable) and the old files are gone.
    assert second.storage_prefix != first.storage_prefix
    assert await storage_keys(app, first.storage_prefix) == []
    assert await storage_keys(app, second.storage_prefix)
    resp = await api(pclient, "POST", "/api/v1/media/999999/package", {}, csrf=csrf)
    assert resp.status == 404
