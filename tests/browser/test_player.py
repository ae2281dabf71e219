"""The player in headless Chromium: a packaged two-rung title plays; quality, subtitles, speed,
Skip Intro and resume work as a viewer sees them; a kids profile cannot open an adult title.

Packaging is the slow part, so one small clip (8 s, 480p: rungs 480p and 360p) is packaged once
and every check runs on it in order.
"""

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

VIDEO = "document.getElementById('video')"


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Night Drive (2019)"
    folder.mkdir(parents=True)
    make_video(
        folder / "Night Drive (2019).mkv",
        seconds=8,
        width=854,
        height=480,
        fps=24,
        subtitle_tracks=(("eng", False),),
        chapters=(("Intro", 0.0, 4.0), ("Story", 4.0, 8.0)),
    )
    (folder / "movie.nfo").write_text("<movie><mpaa>R</mpaa></movie>")
    return folder.parent


def packaged_file(page, base: str, timeout: float = 120.0) -> int:
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


def video_time(page) -> float:
    return page.evaluate(f"() => {VIDEO}.currentTime")


def wait_until(page, script: str, timeout_ms: int = 20000) -> None:
    page.wait_for_function(script, timeout=timeout_ms)


def start_playing(page) -> None:
    """Press Play if the browser refused to autoplay, then wait for the picture to move."""
    wait_until(
        # `?.`: right after a click the old page (without #player) may still be the document.
        page,
        "() => ['ready', 'playing'].includes(document.getElementById('player')?.dataset.state)",
    )
    if page.locator("#bigplay").is_visible():
        page.locator("#bigplay").click()
    wait_until(page, f"() => {VIDEO}.currentTime > 0.3 && !{VIDEO}.paused")


def add_library(
    page,
    base: str,
    folder: Path,
    name: str = "Films",
    kind: str = "movies",
    policy: str = "preencode",
) -> None:
    """Add a library through Admin → Libraries → Add, as an admin would."""
    page.goto(base + "/admin/libraries/new")
    page.locator("input[name=name]").fill(name)
    page.locator("select[name=kind]").select_option(kind)
    page.locator("select[name=policy]").select_option(policy)
    page.locator("textarea[name=paths]").fill(str(folder))
    page.get_by_role("button", name="Add library").click()
    page.wait_for_url(re.compile(r".*/admin/libraries.*"))


def test_player_plays_switches_and_resumes(live_server, browser_page, movie_folder) -> None:
    page = browser_page
    base = live_server.url
    failures: list[str] = []
    page.on(
        "response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None
    )
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, movie_folder)
    media_file_id = packaged_file(page, base)

    # From here on, nothing the player does may fail or log an error.
    failures.clear()
    page.console_errors.clear()  # type: ignore[attr-defined]

    # Play: the packaged ladder through hls.js; the picture moves.
    page.goto(f"{base}/watch/{media_file_id}?t=0")
    expect(page.get_by_role("heading", name="Night Drive")).to_be_visible()
    start_playing(page)
    assert page.evaluate(f"() => {VIDEO}.currentSrc").startswith("blob:")
    assert page.evaluate("() => window.msPlayer.playback.method") == "ladder"

    # Skip Intro shows during the "Intro" chapter and jumps past it.
    skip = page.get_by_role("button", name="Skip Intro")
    expect(skip).to_be_visible()
    skip.click()
    wait_until(page, f"() => {VIDEO}.currentTime >= 4")
    expect(skip).to_be_hidden()

    # Quality: Auto plus both rungs by name; picking one pins it and the label says so.
    page.locator("#player").hover()
    page.locator("#quality-btn").click()
    menu = page.locator("#quality-menu")
    names = [n.strip() for n in menu.get_by_role("menuitemradio").all_inner_texts()]
    assert names == ["Auto", "480p", "360p"] or names == ["Auto", "360p", "480p"], names
    current = page.locator("#player").get_attribute("data-rung")
    target = "360p" if current == "480p" else "480p"
    menu.get_by_role("menuitemradio", name=target).click()
    expect(page.locator("#quality-label")).to_have_text(target)
    assert page.evaluate("() => window.msPlayer.hls.autoLevelEnabled") is False

    # Speed.
    page.locator("#speed-btn").click()
    page.locator("#speed-menu").get_by_role("menuitemradio", name="1.5x").click()
    assert page.evaluate(f"() => {VIDEO}.playbackRate") == 1.5
    expect(page.locator("#speed-btn")).to_have_text("1.5x")

    # Subtitles on: the cue shows as text over the picture.
    page.evaluate(f"() => {VIDEO}.pause()")
    page.locator("#subs-btn").click()
    page.locator("#subs-menu").get_by_role("menuitemradio", name=re.compile("eng|English")).click()
    page.evaluate(f"() => {{ {VIDEO}.currentTime = 0.5; }}")
    expect(page.locator("#cues .p-cue")).to_have_text("Hello eng")
    page.locator("#player").hover()
    shot(page, "player")
    page.locator("#subs-btn").click()
    shot(page, "player-subtitles-menu")
    page.keyboard.press("Escape")

    # Leave at 6 s and come back: the player resumes there (within 2 s).
    page.evaluate(f"() => {{ {VIDEO}.currentTime = 6; }}")
    wait_until(page, f"() => Math.abs({VIDEO}.currentTime - 6) < 0.3")
    page.evaluate(f"() => {{ {VIDEO}.play(); }}")
    wait_until(page, f"() => {VIDEO}.currentTime > 6.1")
    page.goto(base + "/account")
    # The position leaves with the page (sendBeacon on pagehide): wait for it to land.
    deadline = time.monotonic() + 10
    saved = 0.0
    while saved < 5.5 and time.monotonic() < deadline:
        found = page.request.get(f"{base}/api/v1/progress/{media_file_id}")
        saved = found.json()["position_seconds"] if found.ok else 0.0
        time.sleep(0.1)
    assert saved >= 5.5, saved
    page.goto(f"{base}/watch/{media_file_id}")
    start = json.loads(page.locator("#player-config").text_content())["start"]
    assert 5.5 <= start <= 8, start
    start_playing(page)
    assert abs(video_time(page) - start) < 2
    # Speed and subtitles were remembered for this profile.
    assert page.evaluate(f"() => {VIDEO}.playbackRate") == 1.5
    prefs = page.request.get(base + "/api/v1/profile/player-preferences").json()
    assert prefs["speed"] == 1.5 and prefs["subtitle_language"] == "eng"

    # The play was recorded with its time to first frame and the rungs it used.
    wait_until(page, "() => window.msPlayer.qoe.id != null")
    play_url = f"{base}/api/v1/plays/{page.evaluate('() => window.msPlayer.qoe.id')}"
    deadline = time.monotonic() + 10
    play = page.request.get(play_url).json()
    while play["time_to_first_frame_ms"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
        play = page.request.get(play_url).json()
    assert play["method"] == "ladder" and 0 < play["time_to_first_frame_ms"] < 20000
    assert failures == []
    assert page.console_errors == []  # type: ignore[attr-defined]

    # A kids profile cannot open this R-rated title by URL.
    csrf = page.locator("#player").get_attribute("data-csrf")
    resp = page.request.post(
        base + "/api/v1/profiles",
        data={"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, resp.text()
    page.goto(base + "/profiles")
    page.get_by_role("button", name="Kid").click()
    page.wait_for_url(re.compile(r".*/$"))
    resp = page.goto(f"{base}/watch/{media_file_id}")
    assert resp is not None and resp.status == 404
    assert page.locator("video").count() == 0


@pytest.fixture
def show_folder(tmp_path: Path) -> Path:
    season = tmp_path / "shows" / "The Show" / "Season 01"
    season.mkdir(parents=True)
    for number in (1, 2):
        make_video(
            season / f"The Show - S01E0{number}.mp4",
            seconds=6,
            width=320,
            height=240,
            container="mp4",
            faststart=True,
            subtitle_tracks=(),
            chapters=(("Story", 0.0, 3.0), ("Credits", 3.0, 6.0)),
        )
    return tmp_path / "shows"


def episode_files(page, base: str, timeout: float = 60.0) -> list[int]:
    """After the scan: the media file ids of the episodes, in order."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        titles = page.request.get(base + "/api/v1/titles").json()["titles"]
        if titles:
            files = page.request.get(f"{base}/api/v1/titles/{titles[0]['id']}/files").json()
            ids = [f["id"] for f in files["files"] if f["episode_id"] and f["probed_at"]]
            if len(ids) == 2:
                return ids
        time.sleep(0.3)
    raise AssertionError("the episodes were not scanned in time")


def test_episode_counts_down_to_the_next_and_keys_work(
    live_server, browser_page, show_folder
) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, show_folder, "Shows", "shows", "on_the_fly")
    first, second = episode_files(page, base)
    page.console_errors.clear()  # type: ignore[attr-defined]

    page.goto(f"{base}/watch/{first}?t=0")
    expect(page.get_by_role("heading", name="The Show")).to_be_visible()
    expect(page.get_by_text("S01E01")).to_be_visible()
    start_playing(page)
    # An MP4 the browser plays: the file itself, no transcode.
    assert page.evaluate("() => window.msPlayer.playback.method") == "direct"

    # Keyboard: k pauses, m mutes, right arrow jumps 10 s (clamped to the end).
    page.keyboard.press("k")
    wait_until(page, f"() => {VIDEO}.paused")
    page.keyboard.press("m")
    assert page.evaluate(f"() => {VIDEO}.muted") is True
    page.keyboard.press("m")
    page.keyboard.press("ArrowLeft")
    wait_until(page, f"() => {VIDEO}.currentTime < 0.5")

    # At the credits: "Next episode" counts down; Cancel stops it, Play now goes on.
    page.evaluate(f"() => {{ {VIDEO}.currentTime = 3.2; }}")
    countdown = page.locator("#next")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text("S01E02")
    expect(page.locator("#next-count")).to_contain_text("Starts in")
    shot(page, "player-next-episode")
    page.get_by_role("button", name="Cancel").click()
    expect(countdown).to_be_hidden()
    page.goto(f"{base}/watch/{first}?t=3.5")
    start_playing(page)
    expect(countdown).to_be_visible()
    page.get_by_role("button", name="Play now").click()
    page.wait_for_url(re.compile(rf".*/watch/{second}\?t=0$"))
    expect(page.get_by_text("S01E02")).to_be_visible()
    start_playing(page)
    assert page.console_errors == []  # type: ignore[attr-defined]
