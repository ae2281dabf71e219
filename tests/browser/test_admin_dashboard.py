"""The admin dashboard in a real browser: a play another user starts in another browser shows up
on the open dashboard within 2 seconds, without a reload; screenshots on a desktop and a phone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import SHOTS
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library, start_playing
from tests.browser.test_player_live import _file_ids
from tests.media_factory import make_video

VIEWER = ("viewer", "viewer-password-1")


def shot(page, name: str) -> None:
    """The whole page (on demand, as the other screenshots: MEDIASERVER_SCREENSHOTS=1)."""
    if os.environ.get("MEDIASERVER_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def live_folder(tmp_path: Path) -> Path:
    root = tmp_path / "movies"
    for name in ("Remux Me (2020)", "Night Drive (2019)"):
        folder = root / name
        folder.mkdir(parents=True)
        make_video(
            folder / f"{name}.mkv", seconds=40, width=320, height=180, fps=24,
            subtitle_tracks=(),
        )  # fmt: skip
    return root


def _create_viewer(page, base: str) -> None:
    csrf = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))")
    resp = page.request.post(
        base + "/api/v1/users",
        data={"username": VIEWER[0], "password": VIEWER[1], "role": "user"},
        headers=csrf,
    )
    assert resp.status == 201, resp.text()


def test_dashboard_shows_a_play_started_in_another_browser(
    live_server, browser_page, live_folder
) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, live_folder, policy="on_the_fly")
    ids = _file_ids(page, base)
    _create_viewer(page, base)

    page.goto(base + "/admin")
    plays = page.locator('[data-panel="plays"]')
    expect(plays).to_contain_text("Nobody is watching right now.")
    expect(page.locator("#dash-live")).to_have_attribute("data-state", "live")
    page.evaluate("() => { window.sameDashboard = true; }")  # gone if the page reloaded

    # Another user, in another browser context, starts a title.
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        viewer = other.new_page()
        viewer.goto(base + "/login")
        viewer.get_by_label("Username").fill(VIEWER[0])
        viewer.get_by_label("Password").fill(VIEWER[1])
        viewer.get_by_role("button", name="Sign in").click()
        viewer.wait_for_url(re.compile(r".*/(profiles)?$"))
        if viewer.url.endswith("/profiles"):
            viewer.locator("button.profile-tile").first.click()
            viewer.wait_for_url(re.compile(r".*/$"))
        with viewer.expect_response(re.compile(r".*/api/v1/playback/\d+$")) as decided:
            viewer.goto(f"{base}/watch/{ids['Remux Me']}?t=0")
        assert decided.value.status == 200

        # From the moment the server decided how it plays, the dashboard has 2 s to show it.
        play = plays.locator("article.dash-play")
        expect(play).to_contain_text("Remux Me", timeout=2000)
        expect(play).to_contain_text(VIEWER[0])
        expect(play).to_contain_text("remux")
        expect(play).to_contain_text("Chrom")  # the device, from the viewer's User-Agent
        assert page.evaluate("() => window.sameDashboard") is True

        start_playing(viewer)
        # The player reports its position every few seconds; then it shows as playing, and where.
        expect(play.locator(".dash-playing")).to_be_visible(timeout=20000)
        expect(play.locator("progress")).to_be_visible()
        sessions = page.locator('[data-panel="sessions"]')
        expect(sessions).to_contain_text("Remux Me")  # its on-the-fly session
        expect(sessions).to_contain_text("remux")
        shot(page, "admin-dashboard")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "admin-dashboard-phone")

        viewer.close()  # the player reports its end; the play leaves the list within minutes
    finally:
        other.close()
    assert page.console_errors == []  # type: ignore[attr-defined]
