"""Identify: a wrong match fixed by searching the provider and picking the right one; NFO
values kept unless the admin prefers the provider; locked fields never overwritten; a
low-confidence match waits on Admin > Metadata until confirmed."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import titles
from mediaserver.keys import db_key
from tests.helpers import api, csrf_from
from tests.library.scan_helpers import place, write
from tests.library.test_libraries_admin import wait_jobs
from tests.metadata.helpers import JSON, admin_client, query, scan_library, title_id


async def _client(make_app, aiohttp_client, fake, **metadata) -> TestClient:
    return await admin_client(make_app, aiohttp_client, fake.settings(**metadata))


async def test_identify_fixes_a_wrong_match_and_respects_nfo_and_locks(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await _client(make_app, aiohttp_client, fake, tvmaze=False)
    root = tmp_path / "Movies"
    place(clip, root / "Solaris" / "Solaris.mkv")  # no year: the more popular 1972 film wins
    place(clip, root / "Heat (1995)" / "Heat (1995).mkv")
    write(root / "Heat (1995)" / "movie.nfo",
          "<movie><title>Heat</title><plot>My own plot.</plot></movie>")  # fmt: skip
    await scan_library(client, root, "movies")
    solaris, heat = await title_id(client, "Solaris"), await title_id(client, "Heat")
    (row,) = await query(client, "SELECT year FROM titles WHERE id = :i", i=solaris)
    assert row[0] == 1972
    (row,) = await query(client, "SELECT description, tagline FROM titles WHERE id = :i", i=heat)
    assert tuple(row) == ("My own plot.", "Heat: the tagline.")  # the NFO's plot wins

    resp = await client.get(f"/api/v1/metadata/titles/{solaris}/search?q=Solaris", headers=JSON)
    assert resp.status == 200, await resp.text()
    found = (await resp.json())["candidates"]
    assert {(c["provider_id"], c["year"]) for c in found} == {("593", 1972), ("2103", 2002)}
    csrf = await csrf_from(client, f"/admin/metadata/titles/{solaris}")
    resp = await api(client, "POST", f"/api/v1/metadata/titles/{solaris}/identify",
                     {"provider": "tmdb", "provider_id": "2103"}, csrf=csrf)  # fmt: skip
    assert resp.status == 200, await resp.text()
    (row,) = await query(client, "SELECT year, tagline FROM titles WHERE id = :i", i=solaris)
    assert tuple(row) == (2002, "How far will you go to be with the one you love?")
    match = await (await client.get(f"/api/v1/metadata/titles/{solaris}", headers=JSON)).json()
    assert (match["status"], match["method"], match["provider_id"]) == ("matched", "admin", "2103")

    # Locked by the admin: never overwritten, even when the provider is preferred over the NFO.
    async with client.app[db_key].write() as conn:
        await conn.execute(
            titles.update()
            .where(titles.c.id == heat)
            .values(tagline="Mine", locked_fields=["tagline"])
        )
    resp = await api(client, "POST", f"/api/v1/metadata/titles/{heat}/identify",
                     {"provider": "tmdb", "provider_id": "949", "prefer_provider": True},
                     csrf=csrf)  # fmt: skip
    assert resp.status == 200, await resp.text()
    (row,) = await query(client, "SELECT description, tagline FROM titles WHERE id = :i", i=heat)
    assert tuple(row) == ("Heat: the overview.", "Mine")
    audit = await query(client, "SELECT action FROM audit_log WHERE action LIKE 'metadata.%'")
    assert [a[0] for a in audit] == ["metadata.identify", "metadata.identify"]


async def test_low_confidence_match_waits_for_the_admin(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await _client(make_app, aiohttp_client, fake, tmdb=False)
    root = tmp_path / "Shows"
    place(clip, root / "Lighthouse" / "Season 1" / "Lighthouse S01E01.mkv")
    await scan_library(client, root, "shows")
    tid = await title_id(client, "Lighthouse")
    (ep,) = await query(client, "SELECT title FROM episodes WHERE series_id = :i", i=tid)
    assert ep[0] != "Arrival"  # nothing applied yet
    page = await (await client.get("/admin/metadata")).text()
    assert "The Lighthouse Keepers" in page and f"/admin/metadata/titles/{tid}/confirm" in page
    listed = await (await client.get("/api/v1/metadata/matches", headers=JSON)).json()
    assert [(m["title_id"], m["status"]) for m in listed["matches"]] == [(tid, "to_confirm")]
    assert 0.45 <= listed["matches"][0]["confidence"] < 0.8

    csrf = await csrf_from(client, "/admin/metadata")
    resp = await client.post(f"/admin/metadata/titles/{tid}/confirm",
                             data={"csrf_token": csrf}, allow_redirects=False)  # fmt: skip
    assert resp.status == 303, await resp.text()
    (ep,) = await query(client, "SELECT title FROM episodes WHERE series_id = :i", i=tid)
    assert ep[0] == "Arrival"
    (row,) = await query(client, "SELECT title FROM titles WHERE id = :i", i=tid)
    assert row[0] == "The Lighthouse Keepers"
    # A library refresh from the admin page queues the job, which finds nothing left to ask.
    resp = await client.post("/admin/metadata/libraries/1/refresh", data={"csrf_token": csrf},
                             allow_redirects=False)  # fmt: skip
    assert resp.status == 303
    await wait_jobs(client)
