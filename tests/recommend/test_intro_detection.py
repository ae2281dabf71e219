"""Intro and credits detection: a season's shared intro found after cold opens of different
lengths (none where an episode has none), written as Skip Intro / Skip Credits markers, corrected
by an admin and then left alone by detection."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import episodes, libraries, media_files
from mediaserver.db.viewer_schema import media_markers
from mediaserver.jobs import queue
from mediaserver.keys import db_key
from mediaserver.recommend.intro.detect import Episode, Options, detect_season
from tests.catalog import conftest as catalog_fixtures
from tests.catalog.conftest import Browse
from tests.helpers import api, create_user, csrf_from, setup_admin, sign_in
from tests.recommend.intro_factory import EpisodePlan, make_season

browse = catalog_fixtures.browse  # the signed-in admin with a seeded catalog
INTRO = 12.0
CREDITS = 14.0
PLANS = [
    EpisodePlan(3.3, True, 40.0, has_credits=True),
    EpisodePlan(17.85, True, 36.0, has_credits=True),
    EpisodePlan(0.0, True, 45.0, has_credits=True),
    EpisodePlan(9.1, False, 42.0, has_credits=True),
]
OPTIONS = Options(intro_minutes=2.0, credits_minutes=0.5, min_seconds=6.0)


@pytest.fixture(scope="module")
def season_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("season")
    return make_season(folder, PLANS, INTRO, CREDITS, suffix=".mkv", video=True)


def test_the_shared_intro_is_found_after_each_cold_open(season_files: list[Path]) -> None:
    found = detect_season([Episode(i, p) for i, p in enumerate(season_files)], OPTIONS)
    for plan, got in zip(PLANS, found, strict=True):
        truth = plan.intro_span(INTRO)
        if truth is None:
            assert got.intro is None
            continue
        assert got.intro is not None, plan
        assert abs(got.intro.start - truth[0]) <= 1.0 and abs(got.intro.end - truth[1]) <= 1.0
        length = plan.cold_open + (INTRO if plan.has_intro else 0) + plan.body
        assert got.credits is not None and abs(got.credits.start - length) <= 1.0
        assert got.credits.end >= length + CREDITS - 0.5  # runs to the end of the file


def test_one_episode_alone_gets_nothing(season_files: list[Path]) -> None:
    assert detect_season([Episode(1, season_files[0])], OPTIONS)[0].intro is None


async def _place_files(b: Browse, folder: Path, files: dict[tuple[int, int], int]) -> None:
    """Point the seeded library at the generated season (its episode files in order)."""
    paths = sorted(folder.glob("e*.mkv"))
    async with b.client.app[db_key].write() as conn:
        await conn.execute(libraries.update().values(paths=[os.path.realpath(folder)]))
        for e, path in enumerate(paths, start=1):
            await conn.execute(
                media_files.update()
                .where(media_files.c.id == files[(1, e)])
                .values(path=os.path.realpath(path))
            )


async def _wait(app, job_id: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = await queue.get(app[db_key], job_id)
        if job is not None and job.finished:
            assert job.status == "succeeded", job
            return
        await asyncio.sleep(0.05)
    raise AssertionError("detection did not finish")


async def _season_id(b: Browse, file_id: int) -> int:
    query = sa.select(episodes.c.season_id).join(
        media_files, media_files.c.episode_id == episodes.c.id
    )
    async with b.client.app[db_key].read() as conn:
        return await conn.scalar(query.where(media_files.c.id == file_id))


async def test_detection_sets_markers_and_an_admins_fix_is_locked(
    browse: Browse, season_files: list[Path]
) -> None:
    b = browse
    _, files = await b.cat.series("Synthetic", season_count=1, per_season=len(PLANS))
    await _place_files(b, season_files[0].parent, files)
    season_id = await _season_id(b, files[(1, 1)])
    resp = await api(b.client, "POST", f"/api/v1/admin/intro/seasons/{season_id}/detect",
                     csrf=b.csrf)  # fmt: skip
    assert resp.status == 202, await resp.text()
    await _wait(b.client.app, (await resp.json())["job_id"])

    first = await (await b.client.get(f"/api/v1/media/{files[(1, 2)]}/markers")).json()
    assert first["intro"]["source"] == "detected"
    assert abs(first["intro"]["start"] - 17.85) <= 1.0
    assert abs(first["intro"]["end"] - (17.85 + INTRO)) <= 1.0
    assert first["credits"]["source"] == "detected"
    none = await (await b.client.get(f"/api/v1/media/{files[(1, 4)]}/markers")).json()
    assert none["intro"] is None

    # The admin moves episode 2's intro and says episode 1 has none; detection runs again.
    fix = {"intro_start": "0:15", "intro_end": 30}
    resp = await api(b.client, "PUT", f"/api/v1/admin/intro/files/{files[(1, 2)]}", fix,
                     csrf=b.csrf)  # fmt: skip
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["intro_locked"] and body["intro"] == {"start": 15.0, "end": 30.0, "source": "admin"}
    resp = await api(b.client, "PUT", f"/api/v1/admin/intro/files/{files[(1, 1)]}",
                     {"intro_start": None, "intro_end": None}, csrf=b.csrf)  # fmt: skip
    assert (await resp.json())["intro"] is None
    resp = await api(b.client, "POST", f"/api/v1/admin/intro/seasons/{season_id}/detect",
                     csrf=b.csrf)  # fmt: skip
    await _wait(b.client.app, (await resp.json())["job_id"])
    season = await (await b.client.get(f"/api/v1/admin/intro/seasons/{season_id}")).json()
    by_file = {e["media_file_id"]: e for e in season["episodes"]}
    assert by_file[files[(1, 2)]]["intro"]["start"] == 15.0
    assert by_file[files[(1, 1)]]["intro"] is None and by_file[files[(1, 1)]]["intro_locked"]
    assert by_file[files[(1, 1)]]["detected_intro"] is not None  # found, but not applied
    assert by_file[files[(1, 3)]]["intro"]["source"] == "detected"

    page = await (await b.client.get(f"/admin/intro/seasons/{season_id}")).text()
    assert "locked" in page and "Synthetic · Season 1" in page
    assert "Synthetic" in await (await b.client.get("/admin/intro")).text()
    assert "Synthetic · Season 1" in await (await b.client.get("/admin/jobs")).text()


async def test_only_admins_reach_intro_pages(browse: Browse) -> None:
    b = browse
    await create_user(b.client, "viewer", "viewer-password-1")
    await sign_in(b.client, "viewer", "viewer-password-1")
    assert (await b.client.get("/api/v1/admin/intro/seasons/1")).status == 403
    assert (await b.client.get("/admin/intro")).status == 403


async def test_a_scan_of_new_episodes_queues_detection_for_their_season(
    make_app, aiohttp_client, tmp_path: Path, season_files: list[Path]
) -> None:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    season = tmp_path / "shows" / "The Signal" / "Season 01"
    season.mkdir(parents=True)
    for e, path in enumerate(season_files, start=1):
        shutil.copyfile(path, season / f"The Signal - S01E{e:02d}.mkv")
    csrf = await csrf_from(client, "/admin/libraries/new")
    body = {"name": "Shows", "kind": "shows", "policy": "on_the_fly",
            "paths": [str(tmp_path / "shows")]}  # fmt: skip
    resp = await api(client, "POST", "/api/v1/libraries", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = (await (await client.get("/api/v1/jobs")).json())["jobs"]
        intro = [j for j in jobs if j["type"] == "recommend.intro"]
        if intro and all(j["status"] == "succeeded" for j in intro):
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"no finished detection job: {jobs}")
    async with client.app[db_key].read() as conn:
        sources = (await conn.execute(sa.select(media_markers.c.source))).scalars().all()
    assert sources.count("detected") >= 3  # three intros, and credits
