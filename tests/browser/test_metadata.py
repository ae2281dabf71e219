"""A library scanned with the provider fakes on gets posters, backdrops, cast with photos and
episode names; Identify on the admin page fixes a wrong match."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest
from aiohttp import web
from playwright.sync_api import expect

from tests.browser.test_browse import add_library
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.media_factory import make_video
from tests.metadata.fakes import API_KEY, FakeProviders


@pytest.fixture
def fake_providers(tmp_path: Path):
    """The fakes in a thread of their own, and the server's settings file pointing at them
    (written before the server starts)."""
    fake = FakeProviders()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(fake.app(), access_log=None)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    fake.base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.toml").write_text(
        "[metadata]\nallow_loopback_for_tests = true\ntmdb_enabled = true\n"
        f'tmdb_api_key = "{API_KEY}"\ntvmaze_enabled = true\n'
        f'tmdb_api_url = "{fake.base}/3"\ntmdb_image_url = "{fake.base}/t/p"\n'
        f'tvmaze_api_url = "{fake.base}/tvmaze"\n'
    )
    yield fake
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()  # its self-pipe sockets would otherwise be reported by a later test
    thread.join(5)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    clip = make_video(tmp_path / "clip.mkv", seconds=0.5, width=64, height=48,
                      audio_tracks=(), subtitle_tracks=())  # fmt: skip
    for rel in ("Matrix 1999 {tmdb-603}/matrix.mkv", "Solaris/Solaris.mkv",
                "The Lighthouse Keepers (2019)/Season 01/Keepers S01E01.mkv",
                "The Lighthouse Keepers (2019)/Season 01/Keepers S01E02.mkv"):  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(clip.read_bytes())
    return root


def _titles(page, base: str) -> dict[str, dict]:
    return {t["title"]: t for t in page.request.get(base + "/api/v1/titles").json()["titles"]}


def test_scan_with_providers_then_identify(fake_providers, live_server, browser_page, media):
    page, base = browser_page, live_server.url
    sign_up(page, live_server)
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")
    add_library(page, base, "Everything", "mixed", media)
    for _ in range(160):
        found = _titles(page, base)
        if {"The Matrix", "The Lighthouse Keepers", "Solaris"} <= set(found):
            break
        page.wait_for_timeout(250)
    for _ in range(160):
        jobs = page.request.get(base + "/api/v1/jobs").json()["jobs"]
        if jobs and all(j["status"] not in ("queued", "running") for j in jobs):
            break
        page.wait_for_timeout(250)
    found = _titles(page, base)

    page.goto(f"{base}/titles/{found['The Matrix']['id']}")
    expect(page.locator("img.hero-bg")).to_be_visible()
    expect(page.get_by_text("The Matrix: the tagline.")).to_be_visible()
    cast = page.locator(".cast-member").filter(has_text="Keanu Reeves")
    expect(cast).to_contain_text("Neo")
    photo = cast.locator("img")
    expect(photo).to_be_visible()
    photo.evaluate("i => i.decode()")
    assert photo.evaluate("i => i.naturalWidth") > 0
    sources = page.evaluate("[...document.images].map(i => i.currentSrc)")
    assert sources and not any(fake_providers.base in s for s in sources)
    page.set_viewport_size({"width": 1280, "height": 1000})
    shot(page, "metadata-title")

    page.goto(f"{base}/titles/{found['The Lighthouse Keepers']['id']}")
    expect(page.get_by_role("heading", name="Arrival")).to_be_visible()
    expect(page.get_by_role("heading", name="The Storm")).to_be_visible()
    still = page.locator(".episode img").first
    expect(still).to_have_attribute("src", re.compile(r"^/images/episodes/\d+/thumb$"))
    still.scroll_into_view_if_needed()  # it loads lazily
    still.evaluate("i => i.decode()")  # rejects if the picture cannot be loaded
    assert still.evaluate("i => i.naturalWidth") > 0

    # Solaris with no year was taken for the 1972 film; the admin picks the 2002 one.
    solaris = found["Solaris"]["id"]
    assert found["Solaris"]["year"] == 1972
    page.goto(f"{base}/admin/metadata/titles/{solaris}")
    page.locator("input[name=year]").fill("")  # the 1972 year the wrong match gave it
    page.get_by_role("button", name="Search").click()
    result = page.locator(".identify-result").filter(has_text="2002")
    expect(result).to_be_visible()
    shot(page, "metadata-identify")
    result.get_by_role("button", name="Use this").click()
    expect(page.get_by_role("status")).to_contain_text("Match applied")
    page.goto(f"{base}/titles/{solaris}")
    expect(page.locator(".hero-meta")).to_contain_text("2002")
    expect(page.get_by_text("How far will you go to be with the one you love?")).to_be_visible()
    page.goto(f"{base}/admin/metadata")
    expect(page.get_by_role("heading", name="Provider failures")).to_be_visible()
    shot(page, "metadata-admin")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
