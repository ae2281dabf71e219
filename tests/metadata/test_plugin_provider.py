"""A plugin adds a metadata provider through the `metadata_providers` hook: its search answers
Identify, its details are applied like a built-in's."""

from __future__ import annotations

from pathlib import Path

from mediaserver.hookspecs import hookimpl
from mediaserver.keys import plugins_key
from mediaserver.metadata.fetch import Origin
from mediaserver.metadata.records import Credit, SearchResult, TitleInfo
from tests.helpers import api, csrf_from
from tests.library.scan_helpers import place
from tests.metadata.helpers import JSON, admin_client, query, scan_library, title_id


class ShelfProvider:
    """A provider that answers from memory (as an OMDb or TVDB plugin would from its API)."""

    name = "shelf"
    label = "Shelf"
    kinds = ("movie",)
    secret_params = frozenset()

    def origins(self) -> frozenset[Origin]:
        return frozenset({Origin("https", "shelf.example", 443)})

    async def lookup(self, client, ids, kind):  # noqa: ANN001, ANN201
        return None

    async def search(self, client, query, year, kind):  # noqa: ANN001, ANN201
        return [SearchResult("shelf", "7", "movie", "Brazil", 1985, overview="Tuttle.")]

    async def details(self, client, provider_id, kind, language):  # noqa: ANN001, ANN201
        return TitleInfo("shelf", provider_id, "movie", "Brazil", year=1985,
                         overview="A clerk and a dream.", genres=("Satire",),
                         credits=(Credit("Jonathan Pryce", "actor", "Sam Lowry"),))  # fmt: skip


class ShelfPlugin:
    @hookimpl
    def metadata_providers(self, settings):  # noqa: ANN001, ANN201
        return [ShelfProvider()]


async def test_a_plugin_provider_matches_and_fills_titles(
    make_app, aiohttp_client, clip, tmp_path: Path
) -> None:
    app = make_app(library={"watch": False})
    app[plugins_key].register(ShelfPlugin(), name="shelf")
    client = await admin_client(lambda **_: app, aiohttp_client, {})
    root = tmp_path / "Movies"
    place(clip, root / "Brazil (1985)" / "Brazil (1985).mkv")
    await scan_library(client, root, "movies")
    tid = await title_id(client, "Brazil")
    (row,) = await query(client, "SELECT description FROM titles WHERE id = :i", i=tid)
    assert row[0] == "A clerk and a dream."
    credits = await (await client.get(f"/titles/{tid}/credits")).text()
    assert "Jonathan Pryce" in credits and "Sam Lowry" in credits
    found = await (await client.get(f"/api/v1/metadata/titles/{tid}/search?q=Brazil",
                                    headers=JSON)).json()  # fmt: skip
    assert [(c["provider"], c["title"]) for c in found["candidates"]] == [("shelf", "Brazil")]
    csrf = await csrf_from(client, "/admin/metadata")
    resp = await api(client, "POST", f"/api/v1/metadata/titles/{tid}/identify",
                     {"provider": "nowhere", "provider_id": "1"}, csrf=csrf)  # fmt: skip
    assert resp.status == 400
    assert "not enabled" in (await resp.json())["detail"]
