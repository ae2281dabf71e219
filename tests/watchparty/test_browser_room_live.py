"""Watch together on a title that was never packaged (served on the fly), in headless Chromium:
three users in their own browser contexts, one of them on a slow network. The room lets
everyone control playback; the host can remove a member and end the room.

The slow member's page goes through a loopback TCP proxy that holds every WebSocket chunk 150 ms
each way (300 ms added round trip), and its HTTP requests get 300 ms of DevTools latency
(Chromium's Network.emulateNetworkConditions does not delay WebSocket frames).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import live_server, server_plugins  # noqa: F401 - fixtures
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library
from tests.browser.test_player_live import _file_ids
from tests.media_factory import make_video
from tests.watchparty.browser_room import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SAMPLE,
    DelayProxy,
    api,
    create_room,
    create_user,
    drifts,
    join,
    sign_in,
    wait_in_sync,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live_folder(tmp_path: Path) -> Path:
    root = tmp_path / "movies"
    for name in ("Night Ferry (2018)", "Spare Reel (2017)"):
        folder = root / name
        folder.mkdir(parents=True)
        make_video(
            folder / f"{name}.mkv", seconds=40, width=640, height=360, fps=24,
            subtitle_tracks=(),
        )  # fmt: skip
    return root


def test_members_stay_together_on_the_fly_and_through_a_slow_network(
    live_server,  # noqa: F811
    live_folder,
) -> None:
    base = live_server.url
    port = int(base.rsplit(":", 1)[1])
    with sync_playwright() as pw, DelayProxy(port, 0.150) as proxy:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        host = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        sign_up(host, live_server)
        host.locator("button.profile-tile").first.click()
        host.wait_for_url(re.compile(r".*/$"))
        add_library(host, base, live_folder, policy="on_the_fly")
        media_file_id = _file_ids(host, base)["Night Ferry"]
        ids = [create_user(host, name) for name in ("dee", "eli")]

        room_id = create_room(host, media_file_id, control="everyone")
        api(host, "POST", f"/api/v1/rooms/{room_id}/members", {"user_ids": ids}, expect=200)
        join(host, f"/rooms/{room_id}")
        dee = sign_in(browser, base, "dee")
        join(dee, f"/rooms/{room_id}")
        # Eli's network is slow: HTTP through DevTools latency, the WebSocket through the proxy.
        eli = sign_in(browser, base, "eli")
        cdp = eli.context.new_cdp_session(eli)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 300, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        join(eli, f"http://127.0.0.1:{proxy.port}/rooms/{room_id}")
        pages = [host, dee, eli]

        # Dee may control here: her Play starts everyone, on the fly, together.
        dee.locator("#player").hover()
        dee.locator("#play").click()
        wait_in_sync(pages, timeout_ms=60000, playing=True)
        assert eli.evaluate(SAMPLE)["rtt"] >= 250  # the slow member's round trip, as measured
        assert max(drifts(pages)) < 0.1
        assert all(p.evaluate("() => window.msPlayer.playback.method") == "remux" for p in pages)

        # The host seeks far ahead (the on-the-fly session restarts there): all land together.
        host.locator("#player").hover()
        host.keyboard.press("ArrowRight")
        host.keyboard.press("ArrowRight")
        host.wait_for_function("() => window.__room.roomPosition() > 19", timeout=10000)
        wait_in_sync(pages, timeout_ms=60000, playing=True)
        assert max(drifts(pages)) < 0.1

        # Eli (slow) pauses: everyone pauses at the same position.
        eli.keyboard.press("k")
        for page in pages:
            page.wait_for_function("() => document.getElementById('video').paused", timeout=10000)
        wait_in_sync(pages)
        positions = [p.evaluate(SAMPLE)["t"] for p in pages]
        assert max(positions) - min(positions) < 0.05, positions
        expect(host.locator(".wp-member", has_text="eli")).to_contain_text("Paused")

        # The host removes Dee, then ends the room; each is told.
        host.locator(".wp-member", has_text="dee").get_by_role("button", name="Remove").click()
        expect(dee.locator("#message")).to_have_text("You were removed")
        host.get_by_role("button", name="End room").click()
        host.get_by_role("button", name=re.compile("Click again")).click()
        expect(eli.locator("#message")).to_have_text("The room has ended")
        expect(host.locator("#message")).to_have_text("The room has ended")
        assert dee.evaluate("() => window.__room.connected") is False
        browser.close()
