"""Who may download, checked on every request of a download URL and at every check-in: a user
whose downloads or quality were taken away (a downgrade), a kids profile over its cap, a removed
title, an expired, forged or revoked URL, and "downloads at once"."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.accounts import EffectiveLimits, add_limit_source
from mediaserver.accounts.limits import set_limits
from mediaserver.db.catalog_schema import media_files, titles
from mediaserver.keys import db_key, secret_key
from mediaserver.offline import url_tokens
from tests.helpers import api, csrf_from, pick_profile, setup_with_user
from tests.offline.conftest import packaged_movie
from tests.offline.test_download_file import make_download
from tests.packaging.helpers import sign_in_with_profile


async def check_in(client, ids: list[int]) -> list[dict]:
    csrf = await csrf_from(client, "/profiles")
    resp = await api(client, "POST", "/api/v1/offline/check-in", {"ids": ids}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    answer = await resp.json()
    # The server's time, by which the browser judges expiry offline (not its own clock).
    assert abs(answer["server_time"] - time.time()) < 60
    return answer["results"]


async def test_a_downgraded_account_is_refused_with_its_old_urls(oclient, ladder_dir):
    app = oclient.app
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    made = await make_download(oclient, file_id, kind="browser")
    assert (await oclient.get(made["url"], headers={"Range": "bytes=0-9"})).status == 206
    [ok] = await check_in(oclient, [made["id"]])
    assert ok["status"] == "ok" and ok["expires_at"] > time.time() + 6 * 86400

    # A lower quality than the download's: the old URL, the form and the API all refuse.
    me = (await (await oclient.get("/api/v1/me")).json())["user"]["id"]
    await set_limits(app[db_key], me, EffectiveLimits(max_height=120))
    resp = await oclient.get(made["url"])
    assert resp.status == 403 and "highest quality" in await resp.text()
    assert (await oclient.get(f"/api/v1/media/{file_id}/download-options")).status == 403

    # No downloads at all: refused, and the saved copy is revoked at its check-in.
    await set_limits(app[db_key], me, EffectiveLimits(may_download=False))
    resp = await oclient.get(made["url"])
    assert resp.status == 403 and "may not download" in await resp.text()
    csrf = await csrf_from(oclient, "/profiles")
    body = {"media_file_id": file_id}
    refused = await api(oclient, "POST", "/api/v1/offline/downloads", body, csrf=csrf)
    assert refused.status == 403
    [revoked] = await check_in(oclient, [made["id"]])
    assert revoked["status"] == "revoked" and "may not download" in revoked["reason"]

    # Rights given back do not revive a revoked download; a new one may be made.
    await set_limits(app[db_key], me, EffectiveLimits())
    assert (await oclient.get(made["url"])).status == 403
    again = await make_download(oclient, file_id)
    assert (await oclient.get(again["url"], headers={"Range": "bytes=0-9"})).status == 206


async def test_kids_cap_and_removed_title_end_downloads(oclient, ladder_dir):
    db = oclient.app[db_key]
    file_id = await packaged_movie(oclient, ladder_dir, "Sunny Farm", rating="PG")
    grown_ups = await packaged_movie(oclient, ladder_dir, "Velvet Noir", rating="R")
    await make_download(oclient, grown_ups)  # the grown-up's own download
    csrf = await csrf_from(oclient, "/profiles")
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    resp = await api(oclient, "POST", "/api/v1/profiles", kid, csrf=csrf)
    await pick_profile(oclient, (await resp.json())["id"])
    made = await make_download(oclient, file_id)
    assert (await oclient.get(made["url"], headers={"Range": "bytes=0-9"})).status == 206
    # The kids profile sees only its own downloads, never the grown-up's title names.
    page = await (await oclient.get("/downloads")).text()
    assert "Sunny Farm" in page and "Velvet Noir" not in page
    listed = await (await oclient.get("/api/v1/offline/downloads")).json()
    assert [d["title"] for d in listed["downloads"]] == ["Sunny Farm"]

    title_id = await _title_of(db, file_id)
    async with db.write() as conn:
        await conn.execute(
            titles.update().where(titles.c.id == title_id).values(maturity_rating="R")
        )
    assert (await oclient.get(made["url"])).status == 404  # over the kids cap now
    assert (await check_in(oclient, [made["id"]]))[0]["status"] == "revoked"

    adult_title = await packaged_movie(oclient, ladder_dir, "Night Shift", rating="R")
    resp = await oclient.get(f"/api/v1/media/{adult_title}/download-options")
    assert resp.status == 404

    grown = await packaged_movie(oclient, ladder_dir, "Meadow", rating="G")
    second = await make_download(oclient, grown)
    async with db.write() as conn:
        removed = titles.update().where(titles.c.id == await _title_of(db, grown))
        await conn.execute(removed.values(removed_at=time.time()))
    assert (await oclient.get(second["url"])).status == 404


async def _title_of(db, file_id: int) -> int:
    async with db.read() as conn:
        query = sa.select(media_files.c.title_id).where(media_files.c.id == file_id)
        return await conn.scalar(query)


async def test_expired_forged_removed_and_revoked_urls(oclient, ladder_dir):
    app = oclient.app
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    made = await make_download(oclient, file_id)
    name = made["url"].rsplit("/", 1)[1]

    expired = url_tokens.sign(app[secret_key], made["id"], -10)
    resp = await oclient.get(f"/offline/file/{expired}/{name}")
    assert resp.status == 403 and "expired" in await resp.text()
    token = made["url"].split("/")[3]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await oclient.get(f"/offline/file/{forged}/{name}")).status == 404
    other = url_tokens.sign(app[secret_key], made["id"] + 1000, 600)
    assert (await oclient.get(f"/offline/file/{other}/{name}")).status == 404
    assert (await oclient.get(made["url"].replace(".mp4", "x.mp4"))).status == 404

    # The admin revokes it: the URL stops at once; check-in says why; the page shows it.
    csrf = await csrf_from(oclient, "/admin/downloads")
    path = f"/api/v1/admin/offline/downloads/{made['id']}/revoke"
    resp = await api(oclient, "POST", path, {}, csrf=csrf)
    assert resp.status == 200 and (await resp.json())["state"] == "revoked"
    resp = await oclient.get(made["url"])
    assert resp.status == 403 and "administrator" in await resp.text()
    assert (await check_in(oclient, [made["id"]]))[0]["status"] == "revoked"
    page = await (await oclient.get("/admin/downloads")).text()
    assert "Harbour Lights" in page and "Revoked by an administrator" in page
    listed = await (await oclient.get("/api/v1/admin/offline/downloads")).json()
    assert listed["downloads"][0]["state"] == "revoked"
    audit = await (await oclient.get("/admin/audit")).text()
    assert "download.revoke" in audit

    # The user removes another one: its URL is gone; an unknown id checks in as "gone".
    second = await make_download(oclient, file_id)
    resp = await oclient.delete(
        f"/api/v1/offline/downloads/{second['id']}", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 204
    assert (await oclient.get(second["url"])).status == 404
    assert (await check_in(oclient, [second["id"]]))[0]["status"] == "gone"


async def test_downloads_at_once_follow_the_lowest_limit(make_app, aiohttp_client, ladder_dir):
    app = make_app(library={"watch": False}, offline={"max_saved_titles": 3})

    async def plan(db, user_id: int) -> EffectiveLimits:
        return EffectiveLimits(max_downloads=2, upgrade_hint="Premium holds more.")

    add_limit_source(app, plan)
    client = await aiohttp_client(app)
    await sign_in_with_profile(client)
    file_id = await packaged_movie(client, ladder_dir, "Harbour Lights")
    first = await make_download(client, file_id)
    await make_download(client, file_id, kind="browser")
    offer = await (await client.get(f"/api/v1/media/{file_id}/download-options")).json()
    assert (offer["held"], offer["limit"]) == (2, 2)
    csrf = await csrf_from(client, "/profiles")
    body = {"media_file_id": file_id}
    resp = await api(client, "POST", "/api/v1/offline/downloads", body, csrf=csrf)
    assert resp.status == 403 and "at once" in await resp.text()
    # Removing one frees its slot at once (the form on the Downloads page).
    page = await (await client.get("/downloads")).text()
    assert "2 of 2 downloads held" in page
    resp = await client.post(
        f"/downloads/{first['id']}/remove", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert (await api(client, "POST", "/api/v1/offline/downloads", body, csrf=csrf)).status == 201


async def test_a_free_plan_user_is_refused_with_the_upgrade_hint(
    make_app, aiohttp_client, ladder_dir
):
    """With billing on, a user on the Free plan (no downloads) gets 403 and where to upgrade,
    from the form, the API and a download URL of the account built by hand."""
    client = await aiohttp_client(make_app(library={"watch": False}, billing={"enabled": True}))
    await setup_with_user(client)
    profiles = (await (await client.get("/api/v1/profiles")).json())["profiles"]
    await pick_profile(client, profiles[0]["id"])
    file_id = await packaged_movie(client, ladder_dir, "Harbour Lights")
    resp = await client.get(f"/api/v1/media/{file_id}/download-options")
    assert resp.status == 403, await resp.text()
    detail = (await resp.json())["detail"]
    assert "may not download" in detail and len(detail) > len("This account may not download.")
    page = await client.get(f"/downloads/new/{file_id}")
    assert page.status == 403
    csrf = await csrf_from(client, "/profiles")
    body = {"media_file_id": file_id, "kind": "browser"}
    assert (await api(client, "POST", "/api/v1/offline/downloads", body, csrf=csrf)).status == 403
    forged = url_tokens.sign(b"not the server's secret", 1, 600)
    assert (await client.get(f"/offline/file/{forged}/Harbour-Lights-240p.mp4")).status == 404
