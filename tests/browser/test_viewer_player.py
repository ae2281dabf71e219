"""What a viewer meets around the player, in headless Chromium: leaving the player (its Back
arrow, or the browser's Back) shows the new resume point; a movie's end offers Watch again, Back
to browse and titles to watch next; search finds a word from the middle of a title and a title
with one typo as you type; on a phone a tap shows the controls without pausing and a double tap
seeks; on a TV the layout grows and arrow keys reach every control; menus close after a choice,
on Escape and on a click on the video (which never pauses); `c` brings back the last language.
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
from tests.browser.test_player import VIDEO, add_library, start_playing, wait_until
from tests.media_factory import make_video

DRAMA = "<movie><genre>Drama</genre><mpaa>PG</mpaa></movie>"


def film(root: Path, name: str, seconds: float, nfo: str = DRAMA, **kw) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    make_video(folder / f"{name}.mkv", seconds=seconds, width=320, height=180, **kw)
    (folder / "movie.nfo").write_text(nfo)


def scanned(page, base: str, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = page.request.get(base + "/api/v1/titles", headers={"Accept": "application/json"})
        if resp.ok and len(json.loads(resp.text())["titles"]) >= count:
            return
        time.sleep(0.3)
    raise AssertionError("the library was not scanned in time")


def open_title(page, base: str, name: str) -> None:
    page.goto(base + "/search?q=" + name.replace(" ", "+"))
    page.locator("#results a", has_text=name).first.click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def resume_seconds(page) -> int:
    text = page.locator("#title-actions").inner_text()
    found = re.search(r"Resume from 0:(\d\d)", text)
    return int(found.group(1)) if found else -1


def play_to(page, seconds: float) -> None:
    page.evaluate(f"() => {{ {VIDEO}.currentTime = {seconds}; {VIDEO}.play(); }}")
    wait_until(page, f"() => {VIDEO}.currentTime > {seconds + 0.3}")


@pytest.fixture
def films(tmp_path: Path) -> Path:
    root = tmp_path / "films"
    film(root, "Night Drive (2019)", 12)
    film(root, "Harbor Lights (2020)", 1)
    film(root, "Two Tongues (2011)", 1, nfo="<movie><genre>Comedy</genre></movie>")
    film(root, "Big Fractal (1987)", 1, nfo="<movie><genre>Comedy</genre></movie>")
    return root


def test_resume_after_back_post_play_and_search(live_server, browser_page, films) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, films, policy="on_the_fly")
    scanned(page, base, 4)

    # Search as you type: a piece from the middle of a word, then one letter missing.
    page.goto(base + "/search")
    page.locator("#q").press_sequentially("ongues", delay=40)
    expect(page.locator("#results .tc-name")).to_have_text(["Two Tongues"])
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("fractl", delay=40)
    expect(page.locator("#results .tc-name")).to_have_text(["Big Fractal"])
    expect(page.locator("#results")).to_contain_text("“fractal” for “fractl”")
    shot(page, "search-typo")

    # Play, leave with the player's Back arrow: the title page offers the new position.
    open_title(page, base, "Night Drive")
    page.locator("#title-actions a", has_text="Play").first.click()
    start_playing(page)
    play_to(page, 3)
    page.locator("#player").hover()
    page.locator(".p-back").click()
    page.wait_for_url(re.compile(r".*/titles/\d+$"))
    assert resume_seconds(page) in (3, 4, 5), page.locator("#title-actions").inner_text()

    # Resume, go further, leave with the browser's Back: the restored page catches up.
    page.locator("#title-actions a", has_text="Resume from").click()
    start_playing(page)
    play_to(page, 7)
    page.go_back()
    wait_until(page, "() => /Resume from 0:0[7-9]/.test(document.body.innerText)")

    # The end of the movie: Watch again, Back to browse, and a title of the same genre.
    start_over = page.locator("#title-actions a", has_text="Start over").get_attribute("href")
    page.goto(base + start_over.replace("t=0", "t=10"))
    start_playing(page)
    postplay = page.locator("#postplay")
    expect(postplay).to_be_visible(timeout=15000)
    expect(postplay.get_by_role("button", name=re.compile("Watch again"))).to_be_visible()
    expect(postplay.get_by_role("link", name="Back to browse")).to_have_attribute("href", "/")
    cards = postplay.locator(".p-pp-name")
    expect(cards.first).to_have_text("Harbor Lights (2020)")  # same genre first
    assert "Night Drive (2019)" not in cards.all_inner_texts()
    shot(page, "player-post-play")
    postplay.get_by_role("button", name=re.compile("Watch again")).click()
    expect(postplay).to_be_hidden()
    wait_until(page, f"() => !{VIDEO}.paused && {VIDEO}.currentTime < 5")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_phone_tv_and_menus(live_server, browser_page, tmp_path) -> None:
    page = browser_page
    base = live_server.url
    root = tmp_path / "films"
    film(root, "Long Road (2018)", 40, subtitle_tracks=(("eng", False), ("spa", False)))
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, root, policy="on_the_fly")
    scanned(page, base, 1)
    open_title(page, base, "Long Road")
    watch = page.locator("#title-actions a", has_text="Play").first.get_attribute("href")
    state = page.context.storage_state()
    browser = page.context.browser

    # A phone: the header stays small; a tap shows the controls and does not pause; a second
    # tap hides them; two taps on the right third seek 10 s.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, storage_state=state
    ).new_page()
    phone.goto(base + "/")
    assert phone.locator("header.topbar").bounding_box()["height"] < 844 / 6
    phone.goto(base + "/admin/jobs")
    assert phone.locator(".admin-nav").bounding_box()["height"] < 80
    phone.goto(base + watch)
    start_playing(phone)
    player = phone.locator("#player")
    phone.evaluate("() => document.getElementById('player').classList.add('idle')")
    phone.locator("#video").tap(position={"x": 195, "y": 300})
    expect(player).not_to_have_class(re.compile(r"\bidle\b"))
    assert phone.evaluate(f"() => !{VIDEO}.paused")
    shot(phone, "player-phone")
    phone.locator("#video").tap(position={"x": 195, "y": 300})
    expect(player).to_have_class(re.compile(r"\bidle\b"))
    assert phone.evaluate(f"() => !{VIDEO}.paused")
    before = phone.evaluate(f"() => {VIDEO}.currentTime")
    phone.locator("#video").tap(position={"x": 350, "y": 300})
    phone.locator("#video").tap(position={"x": 350, "y": 300})
    wait_until(phone, f"() => {VIDEO}.currentTime > {before + 8}")
    phone.context.close()

    # A TV: big controls, arrows reach every control, focus rings visible from the couch.
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}, storage_state=state)
    tv_page = tv.new_page()
    tv_page.goto(base + watch)
    start_playing(tv_page)
    tv_page.locator("#player").hover()
    assert tv_page.locator("#play").bounding_box()["height"] >= 60
    assert tv_page.locator("#timeline").bounding_box()["height"] >= 40
    tv_page.evaluate("() => document.activeElement && document.activeElement.blur()")
    focused = "() => document.activeElement && document.activeElement.id"
    tv_page.keyboard.press("ArrowUp")
    assert tv_page.evaluate(focused) == "play"
    tv_page.keyboard.press("ArrowRight")
    assert tv_page.evaluate(focused) == "back10"
    ring = tv_page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert float(ring.removesuffix("px")) >= 4, ring
    # The open comments box ends above the reaction row: the Comments toggle stays reachable.
    box = tv_page.locator("#moments").bounding_box()
    toggle = tv_page.locator("#moments-toggle").bounding_box()
    assert box["y"] + box["height"] <= toggle["y"], (box, toggle)
    shot(tv_page, "player-tv")
    tv_page.keyboard.press("ArrowUp")
    assert tv_page.evaluate(focused) == "seek"
    tv_page.keyboard.press("ArrowUp")
    assert tv_page.evaluate("() => document.activeElement.classList.contains('p-back')")
    tv_page.keyboard.press("ArrowDown")
    tv_page.keyboard.press("ArrowDown")
    assert tv_page.evaluate(focused) == "play"

    # Menus: a choice closes them, so does Escape, and a click on the video only dismisses.
    menu = tv_page.locator("#subs-menu")
    tv_page.locator("#subs-btn").click()
    menu.get_by_role("menuitemradio", name=re.compile("spa|Spanish", re.I)).click()
    expect(menu).to_be_hidden()
    tv_page.locator("#subs-btn").click()
    menu.get_by_role("menuitemradio", name="Large", exact=True).click()
    expect(menu).to_be_hidden()
    tv_page.locator("#subs-btn").click()
    expect(menu).to_be_visible()
    tv_page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    tv_page.locator("#subs-btn").click()
    tv_page.locator("#video").click(position={"x": 900, "y": 400})
    expect(menu).to_be_hidden()
    assert tv_page.evaluate(f"() => !{VIDEO}.paused")

    # `c` turns subtitles off, and on again in Spanish (the last chosen), not the first track.
    language = "() => window.msPlayer.subtitle && window.msPlayer.subtitle.language"
    assert tv_page.evaluate(language) == "spa"
    tv_page.keyboard.press("c")
    assert tv_page.evaluate(language) is None
    tv_page.keyboard.press("c")
    assert tv_page.evaluate(language) == "spa"
    assert page.console_errors == []  # type: ignore[attr-defined]
    tv.close()
