"""Admin pages for libraries and titles: validation, scans from the page, issues and media info
(escaped), title edits that lock fields, poster uploads; admin only.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import av
import pytest
from aiohttp.test_utils import TestClient

from mediaserver.jobs import queue
from mediaserver.keys import db_key
from tests.helpers import api, csrf_from, setup_admin, setup_with_user
from tests.library.scan_helpers import place
from tests.media_factory import make_text_file, make_video

XSS = "<img src=x onerror=alert(1)>"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clips") / "c.mkv", seconds=0.5, width=64, height=48)


@pytest.fixture
async def lclient(make_app, aiohttp_client) -> TestClient:
    return await aiohttp_client(make_app(library={"watch": False}))


async def wait_jobs(client: TestClient, timeout: float = 30.0) -> None:
    """Until no job is queued or running."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        resp = await client.get("/api/v1/jobs", headers={"Accept": "application/json"})
        jobs = (await resp.json())["jobs"]
        if all(j["status"] not in ("queued", "running") for j in jobs):
            assert all(j["status"] == "succeeded" for j in jobs), jobs
            return
        await asyncio.sleep(0.1)
    raise AssertionError("jobs did not finish")


async def add_library(client: TestClient, folder: Path, name: str = "Movies") -> int:
    csrf = await csrf_from(client, "/admin/libraries/new")
    resp = await api(
        client,
        "POST",
        "/api/v1/libraries",
        {"name": name, "kind": "movies", "paths": [str(folder)]},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"]


async def test_create_library_through_the_form_and_validation(lclient, tmp_path) -> None:
    await setup_admin(lclient)
    (tmp_path / "movies" / "sub").mkdir(parents=True)
    csrf = await csrf_from(lclient, "/admin/libraries/new")

    async def post(**fields: str):
        data = {"csrf_token": csrf, "kind": "movies", "policy": "hybrid", **fields}
        return await lclient.post("/admin/libraries/new", data=data, allow_redirects=False)

    resp = await post(name="Movies", paths="relative/path")
    assert resp.status == 400 and "absolute" in await resp.text()
    resp = await post(name="Movies", paths=str(tmp_path / "nope"))
    assert resp.status == 400 and "does not exist" in await resp.text()
    make_text_file(tmp_path / "file.txt")
    resp = await post(name="Movies", paths=str(tmp_path / "file.txt"))
    assert resp.status == 400 and "not a folder" in await resp.text()
    resp = await post(name="Movies", paths=f"{tmp_path / 'movies'}\n{tmp_path / 'movies' / 'sub'}")
    assert resp.status == 400 and "overlap" in await resp.text()
    resp = await post(name="Movies", paths=str(tmp_path / "movies"))
    assert resp.status == 303 and resp.headers["Location"] == "/admin/libraries?done=created"
    resp = await post(name="movies", paths=str(tmp_path / "other"))
    assert resp.status in (400, 409)
    (tmp_path / "other").mkdir()
    resp = await post(name="Movies", paths=str(tmp_path / "other"))
    assert resp.status == 409 and "exists already" in await resp.text()
    resp = await post(name="Sub", paths=str(tmp_path / "movies" / "sub"))
    assert resp.status == 409 and "overlaps" in await resp.text()
    page = await (await lclient.get("/admin/libraries")).text()
    assert "Movies" in page and str(tmp_path / "movies") in page and "Scan now" in page


async def test_scan_now_is_queued_without_reload_and_counts_show(lclient, tmp_path, clip) -> None:
    await setup_admin(lclient)
    place(clip, tmp_path / "movies" / "Alien (1979).mkv")
    make_text_file(tmp_path / "movies" / "notes.mkv")
    library_id = await add_library(lclient, tmp_path / "movies")
    await wait_jobs(lclient)
    csrf = await csrf_from(lclient, "/admin/libraries")
    resp = await lclient.post(
        f"/admin/libraries/{library_id}/scan",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    body = await resp.text()
    assert resp.status == 200 and "Scan queued" in body and "<html" not in body
    await wait_jobs(lclient)
    page = await (await lclient.get("/admin/libraries")).text()
    assert "1 failed" in page
    resp = await lclient.get("/api/v1/libraries", headers={"Accept": "application/json"})
    (lib,) = (await resp.json())["libraries"]
    assert (lib["titles"], lib["files"], lib["failed"]) == (1, 2, 1)


async def test_scan_now_twice_is_one_scan_and_says_so(make_app, aiohttp_client, tmp_path) -> None:
    # No worker in this instance: the scan stays queued, as behind a busy worker elsewhere.
    client = await aiohttp_client(make_app(library={"watch": False}, jobs={"concurrency": 0}))
    await setup_admin(client)
    (tmp_path / "movies").mkdir()
    library_id = await add_library(client, tmp_path / "movies")  # queues the first scan
    csrf = await csrf_from(client, "/admin/libraries")
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    url = f"/admin/libraries/{library_id}/scan"

    first = await (await client.post(url, headers=hx)).text()
    second = await (await client.post(url, headers=hx)).text()
    assert "A scan is already queued" in first and "A scan is already queued" in second
    api_answer = await api(client, "POST", f"/api/v1/libraries/{library_id}/scan", csrf=csrf)
    merged = await api_answer.json()
    assert api_answer.status == 202 and (merged["status"], merged["already"]) == ("queued", True)
    resp = await client.post(url, data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.headers["Location"] == "/admin/libraries?done=already"
    page = await (await client.get("/admin/libraries?done=already")).text()
    assert "already queued or running" in page

    jobs = (await (await client.get("/api/v1/jobs?status=queued")).json())["jobs"]
    scans = [j for j in jobs if j["type"] == "library.scan"]
    assert [j["id"] for j in scans] == [merged["job_id"]]
    assert scans[0]["payload"] == {"library_id": library_id}

    # While it runs, "Scan now" still joins it.
    db = client.server.app[db_key]
    await queue.lease(db, "worker-elsewhere", ["library.scan"], 1, 60)
    running = await (
        await api(client, "POST", f"/api/v1/libraries/{library_id}/scan", csrf=csrf)
    ).json()
    assert running == {"job_id": merged["job_id"], "status": "running", "already": True}
    assert "A scan is already running" in await (await client.post(url, headers=hx)).text()


async def test_issue_and_media_info_pages_escape_file_names(lclient, tmp_path, clip) -> None:
    await setup_admin(lclient)
    folder = tmp_path / "movies"
    folder.mkdir()
    make_text_file(folder / f"{XSS}.mkv")
    place(clip, folder / f"{XSS} (2001)" / f"{XSS} (2001).mkv")
    library_id = await add_library(lclient, folder)
    await wait_jobs(lclient)
    issues = await (await lclient.get(f"/admin/libraries/{library_id}/issues")).text()
    assert XSS not in issues and "&lt;img src=x onerror=alert(1)&gt;.mkv" in issues
    resp = await lclient.get("/api/v1/titles", headers={"Accept": "application/json"})
    (title,) = (await resp.json())["titles"]
    page = await (await lclient.get(f"/admin/titles/{title['id']}")).text()
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "h264" in page and "Media info" in page


async def test_title_edit_locks_fields_against_rescans(lclient, tmp_path, clip) -> None:
    await setup_admin(lclient)
    place(clip, tmp_path / "movies" / "Alien (1979).mkv")
    library_id = await add_library(lclient, tmp_path / "movies")
    await wait_jobs(lclient)
    resp = await lclient.get("/api/v1/titles?q=alien", headers={"Accept": "application/json"})
    (title,) = (await resp.json())["titles"]
    csrf = await csrf_from(lclient, f"/admin/titles/{title['id']}")
    resp = await lclient.post(
        f"/admin/titles/{title['id']}",
        data={
            "csrf_token": csrf,
            "title": "Alien: Director's Cut",
            "year": "1979",
            "genres": "Horror, Science Fiction",
            "description": "In space no one can hear you scream.",
            "maturity_rating": "R",
        },
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    resp = await api(lclient, "POST", f"/api/v1/libraries/{library_id}/scan", csrf=csrf)
    assert resp.status == 202
    await wait_jobs(lclient)
    resp = await lclient.get(
        f"/api/v1/titles/{title['id']}", headers={"Accept": "application/json"}
    )
    data = await resp.json()
    assert data["title"] == "Alien: Director's Cut" and data["maturity_rating"] == "R"
    assert data["genres"] == ["Horror", "Science Fiction"]
    assert set(data["locked_fields"]) == {"title", "genres", "description", "maturity_rating"}
    resp = await api(
        lclient, "PATCH", f"/api/v1/titles/{title['id']}", {"maturity_rating": "XXX"}, csrf=csrf
    )
    assert resp.status == 400
    resp = await api(
        lclient, "PATCH", f"/api/v1/titles/{title['id']}", {"library_id": 9}, csrf=csrf
    )
    assert resp.status == 400 and "library_id" in await resp.text()


def _jpeg(width: int = 64, height: int = 96) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="image2pipe") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        frame = av.VideoFrame(width, height, "rgb24").reformat(format="yuvj420p")
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    return buf.getvalue()


async def test_poster_upload_is_validated_and_selected(lclient, tmp_path, clip) -> None:
    await setup_admin(lclient)
    place(clip, tmp_path / "movies" / "Alien (1979).mkv")
    await add_library(lclient, tmp_path / "movies")
    await wait_jobs(lclient)
    resp = await lclient.get("/api/v1/titles", headers={"Accept": "application/json"})
    (title,) = (await resp.json())["titles"]
    url = f"/admin/titles/{title['id']}/poster"
    csrf = await csrf_from(lclient, f"/admin/titles/{title['id']}")
    for body, ok in ((b"<svg onload=alert(1)>", False), (_jpeg(), True)):
        form = {"csrf_token": csrf, "poster": io.BytesIO(body)}
        resp = await lclient.post(url, data=form, allow_redirects=False)
        assert (resp.status == 303) is ok, (resp.status, await resp.text())
    page = await (await lclient.get(f"/admin/titles/{title['id']}")).text()
    assert "Current: upload, 64×96" in page


async def test_pages_and_api_are_admin_only(lclient, tmp_path) -> None:
    await setup_with_user(lclient)
    for path in ("/admin/libraries", "/admin/libraries/new", "/admin/titles", "/admin/titles/1"):
        resp = await lclient.get(path, allow_redirects=False)
        assert resp.status == 403, path
    for method, path in (
        ("GET", "/api/v1/libraries"),
        ("POST", "/api/v1/libraries"),
        ("GET", "/api/v1/titles"),
        ("PATCH", "/api/v1/titles/1"),
        ("POST", "/api/v1/libraries/1/scan"),
    ):
        resp = await lclient.request(method, path, headers={"Accept": "application/json"})
        assert resp.status == 403, (method, path)
    lclient.session.cookie_jar.clear()
    resp = await lclient.get("/api/v1/libraries", headers={"Accept": "application/json"})
    assert resp.status == 401
