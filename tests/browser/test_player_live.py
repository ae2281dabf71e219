"""Titles that were never packaged play in headless Chromium: an H.264 MKV by remux (video copied
into fMP4 HLS) and an MPEG-4 Part 2 AVI-style file by an on-the-fly transcode, including a seek
far ahead (the session restarts there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import VIDEO, add_library, start_playing, wait_until
from tests.media_factory import make_video


@pytest.fixture
def live_folder(tmp_path: Path) -> Path:
    root = tmp_path / "movies"
    for name, codec in (("Remux Me (2020)", None), ("Old Codec (1999)", "mpeg4")):
        folder = root / name
        folder.mkdir(parents=True)
        make_video(
            folder / f"{name}.mkv", seconds=12, width=640, height=360, fps=24,
            video_codec=codec, subtitle_tracks=(),
        )  # fmt: skip
    return root


def _file_ids(page, base: str) -> dict[str, int]:
    """Title name -> main file id (from the search API's play links) once the scan found both."""
    found: dict[str, int] = {}
    for _ in range(60):
        data = page.request.get(base + "/api/v1/search").json()
        found = {t["title"]: int(t["play"].rsplit("/", 1)[1]) for t in data["titles"] if t["play"]}
        if len(found) == 2:
            return found
        page.wait_for_timeout(500)
    raise AssertionError(f"the scan did not list both titles: {found}")


def test_unpackaged_titles_play_by_remux_and_transcode(live_server, browser_page, live_folder):
    page = browser_page
    base = live_server.url
    failures: list[str] = []
    page.on(
        "response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None
    )
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, live_folder, policy="on_the_fly")
    ids = _file_ids(page, base)

    for title, method in (("Remux Me", "remux"), ("Old Codec", "transcode")):
        page.goto(f"{base}/watch/{ids[title]}?t=0")
        start_playing(page)
        assert page.evaluate("() => window.msPlayer.playback.method") == method
        # Jump far ahead: the on-the-fly session restarts there and the picture moves on.
        page.evaluate(f"() => {{ {VIDEO}.currentTime = 9; }}")
        wait_until(page, f"() => {VIDEO}.currentTime > 9.3 && !{VIDEO}.paused", 30000)
        if method == "transcode":
            shot(page, "player-on-the-fly")

    # The admin sees both plays, how they are served and why.
    page.goto(f"{base}/admin/streams")
    table = page.locator("table")
    expect(table).to_contain_text("Old Codec")
    expect(table).to_contain_text("transcode")
    expect(table).to_contain_text("remux")
    shot(page, "admin-streams")
    assert failures == []
    assert page.console_errors == []  # type: ignore[attr-defined]
