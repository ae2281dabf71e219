"""The titles API over a scanned library: full-text search by word prefix, description and cast
(FTS5 on SQLite, tsvector on PostgreSQL), filters, removed titles hidden, media info of files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import api, csrf_from, setup_admin
from tests.library.scan_helpers import place, write
from tests.library.test_libraries_admin import wait_jobs
from tests.media_factory import make_video

JSON = {"Accept": "application/json"}


def nfo(title: str, plot: str, actor: str) -> str:
    return (
        f"<movie><title>{title}</title><plot>{plot}</plot>"
        f"<actor><name>{actor}</name><role>Lead</role></actor></movie>"
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(
        tmp_path_factory.mktemp("clips") / "c.mkv",
        seconds=0.5,
        width=64,
        height=48,
        chapters=[("Start", 0.0, 0.5)],
    )


@pytest.fixture
async def catalog(make_app, aiohttp_client, tmp_path, clip) -> tuple[TestClient, int, Path]:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    root = tmp_path / "movies"
    for folder, title, plot, actor in (
        ("Stardust (2007)", "Stardust", "A fallen star in a magical kingdom.", "Claire Danes"),
        ("Star Wars (1977)", "Star Wars", "Rebels fight an empire in space.", "Mark Hamill"),
        ("Heat (1995)", "Heat", "A detective hunts a crew of thieves.", "Al Pacino"),
    ):
        place(clip, root / folder / f"{folder}.mkv")
        write(root / folder / "movie.nfo", nfo(title, plot, actor))
    place(clip, root / "Show (2019)" / "Season 01" / "Show - S01E01.mkv")
    csrf = await csrf_from(client, "/admin/libraries")
    resp = await api(
        client,
        "POST",
        "/api/v1/libraries",
        {"name": "Mixed", "kind": "mixed", "paths": [str(root)]},
        csrf=csrf,
    )
    assert resp.status == 201
    await wait_jobs(client)
    return client, (await resp.json())["id"], root


async def titles(client: TestClient, query: str = "") -> list[str]:
    resp = await client.get(f"/api/v1/titles{query}", headers=JSON)
    assert resp.status == 200, await resp.text()
    return [t["title"] for t in (await resp.json())["titles"]]


async def test_search_by_prefix_description_and_cast(catalog) -> None:
    client, _, _ = catalog
    assert sorted(await titles(client, "?q=sta")) == ["Star Wars", "Stardust"]
    assert await titles(client, "?q=star%20war") == ["Star Wars"]
    assert await titles(client, "?q=thieves") == ["Heat"]
    assert await titles(client, "?q=pacino") == ["Heat"]
    assert await titles(client, "?q=claire%20dan") == ["Stardust"]
    assert await titles(client, '?q="%20OR%20*%20NEAR(') == []  # query syntax is never passed on
    assert await titles(client, "?q=nothing-like-this") == []


async def test_filters_and_removed_titles(catalog) -> None:
    client, library_id, root = catalog
    assert await titles(client, "?kind=series") == ["Show"]
    assert len(await titles(client, f"?library_id={library_id}")) == 4
    assert await titles(client, f"?library_id={library_id + 1}") == []
    resp = await client.get("/api/v1/titles?kind=episode", headers=JSON)
    assert resp.status == 400
    (root / "Heat (1995)" / "Heat (1995).mkv").unlink()
    csrf = await csrf_from(client, "/admin/libraries")
    resp = await api(client, "POST", f"/api/v1/libraries/{library_id}/scan", csrf=csrf)
    assert resp.status == 202
    await wait_jobs(client)
    assert await titles(client, "?q=heat") == []
    assert "Heat" not in await titles(client)


async def test_title_files_media_info(catalog) -> None:
    client, _, _ = catalog
    resp = await client.get("/api/v1/titles?q=heat", headers=JSON)
    (title,) = (await resp.json())["titles"]
    resp = await client.get(f"/api/v1/titles/{title['id']}/files", headers=JSON)
    (f,) = (await resp.json())["files"]
    assert f["status"] == "ok" and f["container"].startswith("matroska")
    kinds = [s["kind"] for s in f["streams"]]
    assert kinds[:2] == ["video", "audio"] and "subtitle" in kinds
    video = f["streams"][0]
    assert (video["codec"], video["width"], video["height"]) == ("h264", 64, 48)
    assert [c["title"] for c in f["chapters"]] == ["Start"]
    assert {s["source"] for s in f["subtitles"]} == {"embedded"}
    resp = await client.get("/api/v1/titles/999999/files", headers=JSON)
    assert resp.status == 404


async def test_library_api_crud(catalog, tmp_path) -> None:
    client, library_id, root = catalog
    csrf = await csrf_from(client, "/admin/libraries")
    resp = await client.get(f"/api/v1/libraries/{library_id}", headers=JSON)
    assert (await resp.json())["paths"] == [str(root.resolve())]
    resp = await api(
        client, "PATCH", f"/api/v1/libraries/{library_id}", {"policy": "preencode"}, csrf=csrf
    )
    assert resp.status == 200 and (await resp.json())["policy"] == "preencode"
    resp = await api(
        client, "PATCH", f"/api/v1/libraries/{library_id}", {"last_scan_at": 0}, csrf=csrf
    )
    assert resp.status == 400
    resp = await api(client, "DELETE", f"/api/v1/libraries/{library_id}", csrf=csrf)
    assert resp.status == 204
    assert await titles(client, "?q=star") == []
    resp = await client.get(f"/api/v1/libraries/{library_id}", headers=JSON)
    assert resp.status == 404
