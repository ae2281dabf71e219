"""The admin pages say so while the data or cache folder is (nearly) full, and stop once space
has been freed."""

from __future__ import annotations

import asyncio
import shutil
import time

from mediaserver.http import disk_space
from tests.helpers import setup_admin


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
