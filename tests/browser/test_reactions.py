"""Player reactions in headless Chromium: reactions sent at a moment show as the strip's peak
at that place above the seek bar; a comment typed at that moment shows beside the video as
text (never markup), and hiding the comments is remembered across a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library, packaged_file, start_playing
from tests.media_factory import make_video

SECONDS = 10
AT = 7.3
PHONE = {"width": 390, "height": 844}
# The strip's curve as (x, y) points in its 0..100 x 0..20 viewBox; y grows downwards.
POINTS = """() => document.querySelector('#reaction-strip path').getAttribute('d')
  .match(/-?[0-9.]+,-?[0-9.]+/g).map(p => p.split(',').map(Number))"""


@pytest.fixture
def react_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Applause (2021)"
    folder.mkdir(parents=True)
    make_video(folder / "Applause (2021).mkv", seconds=SECONDS, width=640, height=360, fps=24,
               subtitle_tracks=())  # fmt: skip
    return folder.parent


def seek(page, seconds: float) -> None:
    page.evaluate(f"() => {{ const v = document.getElementById('video'); v.pause(); "
                  f"v.currentTime = {seconds}; }}")  # fmt: skip
    page.wait_for_function(
        f"() => {{ const v = document.getElementById('video'); "
        f"return Math.abs(v.currentTime - {seconds}) < 0.05 && !v.seeking; }}"
    )  # fmt: skip


@pytest.mark.slow
def test_reactions_at_a_moment_show_in_the_strip(live_server, browser_page, react_folder) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, react_folder)
    media_file_id = packaged_file(page, base)

    page.goto(f"{base}/watch/{media_file_id}?t=0")
    start_playing(page)
    strip = page.locator("#reaction-strip")
    expect(strip).to_have_attribute("data-total", "0")
    seek(page, AT)
    for emoji in ("👍", "🔥", "😂"):
        page.get_by_role("button", name=f"React {emoji}").click()
    expect(page.locator(".rx-float").first).to_be_attached()
    expect(strip).to_have_attribute("data-total", "3")
    points = page.evaluate(POINTS)
    peak_x, peak_y = min(points, key=lambda p: p[1])
    # Second 7 of a 10 s title (a bucket a second): the peak stands at 75 %, and the strip is as
    # wide as the seek bar it sits on.
    assert 74.0 <= peak_x <= 76.0, points
    assert peak_y < 3.0
    assert all(y == 20.0 for x, y in points if x < 50.0 or x > 95.0)
    strip_box, seek_box = strip.bounding_box(), page.locator("#seek").bounding_box()
    assert strip_box and seek_box
    assert abs(strip_box["x"] - seek_box["x"]) <= 2
    assert abs(strip_box["width"] - seek_box["width"]) <= 2
    assert strip_box["y"] + strip_box["height"] <= seek_box["y"] + seek_box["height"] / 2

    page.locator("#moment-text").fill("<b>what a</b> moment")
    page.locator("#moment-text").press("Enter")
    said = page.locator("#moments .rx-text")
    expect(said).to_have_text("<b>what a</b> moment")
    assert page.locator("#moments b").count() == 0
    page.locator("#player").hover()
    shot(page, "player-reactions")
    page.set_viewport_size(PHONE)
    shot(page, "player-reactions-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Far from the comment's time it is not shown; hiding the panel is remembered.
    seek(page, 1.0)
    expect(said).to_have_count(0)
    page.locator("#moments-toggle").click()
    expect(page.locator("#moments")).to_be_hidden()
    page.reload()
    expect(page.locator("#reaction-strip")).to_have_attribute("data-total", "3")
    expect(page.locator("#moments")).to_be_hidden()
    expect(page.locator("#moments-toggle")).to_have_attribute("aria-pressed", "false")
