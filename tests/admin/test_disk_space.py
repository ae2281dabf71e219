"""The admin pages say so while the data or cache folder is (nearly) full, and stop once space
has been freed."""

from __future__ import annotations

import asyncio
import shutil
import time

from mediaserver.http import disk_space
from tests.helpers import api, create_user, csrf_from, pick_profile, setup_admin, sign_in


async def _page_until(client, url: str, wanted: bool) -> str:
    deadline = time.monotonic() + 10
    while True:
        text = await (await client.get(url)).text()
        if ("disk is nearly full" in text) == wanted:
            return text
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.05)


async def test_banner_while_the_disk_is_nearly_full(make_app, aiohttp_client, monkeypatch):
    free = [10 << 20]  # 10 MiB: below the 1 GiB the data folder needs
    real_usage = shutil.disk_usage
    monkeypatch.setattr(disk_space, "CHECK_SECONDS", 0.05)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real_usage(p)._replace(free=free[0]))
    client = await aiohttp_client(make_app())
    await setup_admin(client)
    text = await _page_until(client, "/admin", wanted=True)
    assert "data folder" in text and "10 MiB free" in text and 'role="alert"' in text
    assert "disk is nearly full" in await (await client.get("/admin/jobs")).text()
    assert "disk is nearly full" not in await (await client.get("/account")).text()
    free[0] = 50 << 30  # space was freed
    await _page_until(client, "/admin", wanted=False)


async def test_banner_is_for_administrators_only(make_app, aiohttp_client, monkeypatch):
    """The banner names folders and free space: the error pages strangers, plain users and kids
    profiles get under /admin (404, 403) do not show it."""
    real_usage = shutil.disk_usage
    monkeypatch.setattr(disk_space, "CHECK_SECONDS", 0.05)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real_usage(p)._replace(free=10 << 20))
    client = await aiohttp_client(make_app())
    await setup_admin(client)
    await _page_until(client, "/admin", wanted=True)
    csrf = await csrf_from(client, "/profiles")
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    kids_id = (await (await api(client, "POST", "/api/v1/profiles", kid, csrf=csrf)).json())["id"]
    await create_user(client, "plain", "plain-password-1")
    await pick_profile(client, kids_id)
    for path in ("/admin", "/admin/no-such-page"):
        resp = await client.get(path)
        assert resp.status == 404
        assert "disk is nearly full" not in await resp.text(), path
    await sign_in(client, "plain", "plain-password-1")
    resp = await client.get("/admin")
    assert resp.status == 403 and "disk is nearly full" not in await resp.text()
    client.session.cookie_jar.clear()
    resp = await client.get("/admin/no-such-page")
    assert resp.status == 404 and "disk is nearly full" not in await resp.text()
