"""File watching in a running app: new, moved and deleted files are picked up within seconds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.library.jobs import SCAN_JOB, scan_payload
from mediaserver.library.watcher import LibraryWatcher, watcher_key
from tests.helpers import api, csrf_from, setup_admin
from tests.library.scan_helpers import place
from tests.library.test_libraries_admin import wait_jobs
from tests.media_factory import make_video

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clips") / "c.mkv", seconds=0.5, width=64, height=48)


async def until(check, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("not picked up in time")


async def titles(client: TestClient) -> list[str]:
    resp = await client.get("/api/v1/titles", headers=JSON)
    return sorted(t["title"] for t in (await resp.json())["titles"])


async def test_new_moved_and_deleted_files_are_picked_up(
    make_app, aiohttp_client, tmp_path, clip
) -> None:
    client = await aiohttp_client(make_app(library={"watch": True}))
    await setup_admin(client)
    root = tmp_path / "movies"
    place(clip, root / "Alien (1979).mkv")
    csrf = await csrf_from(client, "/admin/libraries")
    resp = await api(
        client,
        "POST",
        "/api/v1/libraries",
        {"name": "Movies", "kind": "movies", "paths": [str(root)]},
        csrf=csrf,
    )
    assert resp.status == 201
    await wait_jobs(client)
    watcher = client.app[watcher_key]
    await until(lambda: _true(str(root.resolve()) in watcher.watching))

    place(clip, root / "Brazil (1985)" / "Brazil (1985).mkv")
    await until(lambda: _has(client, "Brazil"))

    (root / "Alien (1979).mkv").rename(root / "Aliens (1986).mkv")
    await until(lambda: _has(client, "Aliens"))
    assert "Alien" not in await titles(client)

    (root / "Brazil (1985)" / "Brazil (1985).mkv").unlink()
    await until(lambda: _lacks(client, "Brazil"))
    assert await titles(client) == ["Aliens"]


async def _true(value: bool) -> bool:
    return value


async def _has(client: TestClient, title: str) -> bool:
    return title in await titles(client)


async def _lacks(client: TestClient, title: str) -> bool:
    return title not in await titles(client)


class FakeRunner:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, dict]] = []

    async def enqueue(self, job_type: str, payload: dict) -> int:
        self.jobs.append((job_type, payload))
        return len(self.jobs)

    async def enqueue_once(self, job_type: str, payload: dict, *, merge_running: bool) -> int:
        return await self.enqueue(job_type, payload)


async def test_changes_are_grouped_per_library_and_deduplicated(db, settings) -> None:
    runner = FakeRunner()
    watcher = LibraryWatcher(db, settings, runner)  # type: ignore[arg-type]
    roots = {"/m/movies": 1, "/m/shows": 2}
    await watcher._enqueue(
        roots,
        {"/m/movies/a.mkv", "/m/movies/b.mkv", "/m/shows/s/e.mkv", "/elsewhere/x.mkv"},
    )
    assert sorted(runner.jobs, key=lambda j: j[1]["library_id"]) == [
        (SCAN_JOB, {"library_id": 1, "paths": ["/m/movies/a.mkv", "/m/movies/b.mkv"]}),
        (SCAN_JOB, {"library_id": 2, "paths": ["/m/shows/s/e.mkv"]}),
    ]
    # Too many changes at once: one full scan instead of a huge payload.
    assert scan_payload(1, [f"/m/{i}" for i in range(5000)]) == {"library_id": 1}
