"""A packaged title plays as adaptive HLS in headless Chromium: hls.js over MSE, subtitles as
<track> elements, and the playback position advances."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.media_factory import make_video


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Night Drive (2019)"
    folder.mkdir(parents=True)
    make_video(
        folder / "Night Drive (2019).mkv",
        seconds=8,
        width=640,
        height=360,
        fps=24,
        subtitle_tracks=(("eng", False), ("spa", False)),
    )
    return folder.parent


def _packaged_file(page, base: str, timeout: float = 90.0) -> int:
    """Wait for the media.package job to succeed; its media file id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = page.request.get(base + "/api/v1/jobs", headers={"Accept": "application/json"})
        jobs = json.loads(resp.text())["jobs"]
        done = [j for j in jobs if j["type"] == "media.package" and j["status"] == "succeeded"]
        if done:
            return done[0]["payload"]["media_file_id"]
        failed = [j for j in jobs if j["status"] == "failed"]
        assert not failed, failed
        time.sleep(0.5)
    raise AssertionError("the title was not packaged in time")


def test_packaged_title_plays_as_adaptive_hls(live_server, browser_page, movie_folder):
    page = browser_page
    base = live_server.url
    sign_up(page, base)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(base + "/admin/libraries/new")
    page.locator("input[name=name]").fill("Films")
    page.locator("select[name=kind]").select_option("movies")
    page.locator("select[name=policy]").select_option("preencode")
    page.locator("textarea[name=paths]").fill(str(movie_folder))
    page.get_by_role("button", name="Add library").click()
    page.wait_for_url(re.compile(r".*/admin/libraries.*"))
    media_file_id = _packaged_file(page, base)

    page.goto(base + "/admin/packaging")
    expect(page.get_by_role("link", name="Night Drive")).to_be_visible()
    expect(page.locator("#hwaccel")).to_contain_text("libx264")
    shot(page, "admin-packaging")

    page.goto(f"{base}/watch/{media_file_id}")
    video = page.locator("video#player")
    expect(video).to_be_visible()
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    position = 0.0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        position = page.evaluate("() => document.querySelector('video').currentTime")
        if position > 1.5:
            break
        page.wait_for_timeout(200)
    assert position > 1.5, page.evaluate(
        "() => { const v = document.querySelector('video');"
        " return [v.readyState, v.networkState, v.error && v.error.message,"
        " document.getElementById('player-status').textContent]; }"
    )
    # hls.js drives the element through MSE (a blob: URL), not the playlist URL itself.
    assert page.evaluate("() => document.querySelector('video').currentSrc").startswith("blob:")
    levels = page.evaluate("() => document.querySelector('video').hls.levels.length")
    assert levels >= 1
    tracks = page.evaluate(
        "() => Array.from(document.querySelector('video').textTracks).map(t => t.language)"
    )
    assert sorted(tracks) == ["eng", "spa"]
    shot(page, "watch")
    assert page.console_errors == []  # type: ignore[attr-defined]
