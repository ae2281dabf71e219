"""Clips in headless Chromium: a clip marked in the player plays from its link in a fresh
context, signed in and (public clips on) anonymous, starting and ending within one frame of the
chosen range. Frames are told apart by the test pattern's grey level (frame i: luma
(i * 7) % 200 + 16), read back from the playing video through a canvas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library, packaged_file, start_playing
from tests.media_factory import make_video

FPS = 24
START, END = 0.75, 6.625  # frames 18 and 158: mid greys, told apart on screen
PHONE = {"width": 390, "height": 844}
# The grey of the video's centre pixel, as the luma the pattern wrote (BT.601 limited range).
LUMA = """() => {
  const v = document.querySelector('video');
  const c = document.createElement('canvas');
  c.width = 16; c.height = 16;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0, 16, 16);
  const d = g.getImageData(8, 8, 1, 1).data;
  return [d[0], d[1], d[2]];
}"""
# Y'CbCr -> R'G'B' (limited range) for BT.601 and BT.709: the browser picks one for untagged video.
MATRICES = ((1.596, 0.391, 0.813, 2.018), (1.793, 0.213, 0.533, 2.112))


def expected(index: int) -> int:
    return (index * 7) % 200 + 16


def _rgb(value: int, matrix: tuple[float, ...]) -> list[float]:
    """The colour of a pattern frame: Y, Cb and Cr all hold the frame's value."""
    rv, gu, gv, bu = matrix
    y, c = 1.164 * (value - 16), value - 128
    return [min(255.0, max(0.0, x)) for x in (y + rv * c, y - gu * c - gv * c, y + bu * c)]


def frame_shown(rgb: list[int], near: int) -> int:
    """Which frame around `near` the colour on screen is."""

    def distance(index: int) -> float:
        return min(
            max(abs(a - b) for a, b in zip(_rgb(expected(index), m), rgb, strict=True))
            for m in MATRICES
        )

    return min(range(near - 4, near + 5), key=distance)


@pytest.fixture
def clip_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Counter (2020)"
    folder.mkdir(parents=True)
    make_video(folder / "Counter (2020).mkv", seconds=10, width=640, height=360, fps=FPS,
               subtitle_tracks=())  # fmt: skip
    return folder.parent


def seek(page, seconds: float) -> float:
    """Seek the page's video and wait for the frame there; the time it landed on."""
    landed = page.evaluate(
        """(t) => new Promise((done) => {
          const v = document.querySelector('video');
          v.addEventListener('seeked', () => done(v.currentTime), { once: true });
          v.currentTime = t;
        })""",
        seconds,
    )
    page.wait_for_function("() => document.querySelector('video').readyState >= 2")
    page.wait_for_timeout(300)  # the seeked frame painted
    return landed


def check_clip_plays(page, link: str) -> None:
    """The clip's page plays exactly the marked range: first and last frames, and duration."""
    page.goto(link)
    page.wait_for_function(
        "() => { const v = document.getElementById('clip-video'); "
        "return v && v.readyState >= 2 && isFinite(v.duration); }", timeout=30000
    )  # fmt: skip
    duration = page.evaluate("() => document.getElementById('clip-video').duration")
    assert abs(duration - (END - START)) <= 1.5 / FPS, duration
    seek(page, 0)
    first = round(START * FPS)
    shown = page.evaluate(LUMA)
    assert abs(frame_shown(shown, first) - first) <= 1, (shown, frame_shown(shown, first), first)
    seek(page, duration - 0.5 / FPS)
    last = round(END * FPS) - 1
    shown = page.evaluate(LUMA)
    assert abs(frame_shown(shown, last) - last) <= 1, (shown, frame_shown(shown, last), last)
    page.evaluate("() => document.getElementById('clip-video').play()")
    page.wait_for_function("() => document.getElementById('clip-video').ended", timeout=30000)


@pytest.mark.browser
@pytest.mark.slow
def test_a_clip_made_in_the_player_plays_from_its_link(
    live_server, browser_page, clip_folder
) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    csrf = page.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']"
    )
    resp = page.request.patch(base + "/api/v1/admin/settings",
                              data={"social.public_clips": True},
                              headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert resp.ok, resp.text()
    add_library(page, base, clip_folder)
    media_file_id = packaged_file(page, base)

    page.goto(f"{base}/watch/{media_file_id}?t=0")
    start_playing(page)
    page.evaluate("() => document.querySelector('video').pause()")
    page.locator("#clip-toggle").click()
    seek(page, START)
    page.locator("#clip-in").click()
    seek(page, END)
    page.locator("#clip-out").click()
    page.locator("#clip-name").fill("The <b>counter</b> bit")
    page.locator("#clip-visibility").select_option("public")
    shot(page, "clip-player")
    page.locator("#clip-make").click()
    expect(page.locator("#clip-link")).to_be_visible(timeout=60000)
    link = page.locator("#clip-link").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/c/[A-Za-z0-9_-]+", link)
    shot(page, "clip-player-ready")
    page.set_viewport_size(PHONE)
    shot(page, "clip-player-phone")

    browser = page.context.browser
    signed_in = browser.new_context(storage_state=page.context.storage_state(),
                                    viewport={"width": 1280, "height": 800})  # fmt: skip
    try:
        viewer = signed_in.new_page()
        check_clip_plays(viewer, link)
        expect(viewer.locator("h1")).to_have_text("The <b>counter</b> bit")
        expect(viewer.locator("#clip-download")).to_be_visible(timeout=30000)
        # The HLS playlist (what the page plays before the MP4 is written, or where the MP4
        # fails) shows the same frames.
        hls = signed_in.new_page()
        hls.route("**/clip.mp4", lambda route: route.abort())
        check_clip_plays(hls, link)
        assert hls.evaluate("() => document.getElementById('clip-video').src.startsWith('blob:')")
        shot(viewer, "clip-page")
    finally:
        signed_in.close()

    anonymous = browser.new_context(viewport=PHONE)
    try:
        visitor = anonymous.new_page()
        check_clip_plays(visitor, link)
        assert visitor.locator("a[href^='/titles/']").count() == 0
        shot(visitor, "clip-page-phone")
    finally:
        anonymous.close()
