"""Tagging in headless Chromium against a real server: adding a library of a dark, slow movie
(with swearing in its subtitles) and a bright, fast one queues their analysis after the scan;
the admin sees the suggestions on the review page, accepts some in bulk, renames one, and the
title page shows the accepted tags as chips that lead to the tag's search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import live_server, server_plugins  # noqa: F401 - fixtures
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library
from tests.recommend.tagging_media import make_clip
from tests.watchparty.browser_room import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SWEARING = ["Get the fuck out.", "Shit. They found us.", "Nobody move."]


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    root = tmp_path / "movies"
    for name, style in (("Night Shift (2019)", "dark-slow"), ("Sunny Races (2021)", "bright-fast")):
        folder = root / name
        folder.mkdir(parents=True)
        lines = SWEARING if style == "dark-slow" else ()
        make_clip(folder / f"{name}.mkv", style=style, subtitles=lines)
        if lines:  # the sidecar the scanner looks for: "<movie>.en.srt"
            (folder / f"{name}.srt").rename(folder / f"{name}.en.srt")
    return root


def test_scan_suggests_tags_the_admin_accepts_and_title_pages_show(
    live_server,  # noqa: F811
    movie_folder,
) -> None:
    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_up(page, live_server)
        page.locator("button.profile-tile").first.click()
        page.wait_for_url(re.compile(r".*/$"))
        add_library(page, base, movie_folder, policy="on_the_fly")

        # The scan queued one analysis per title; the review page lists their suggestions.
        for _ in range(120):
            page.goto(base + "/admin/tagging")
            if page.locator(".tag-review > li[id^=title-]").count() == 2:
                break
            page.wait_for_timeout(500)
        night = page.locator(".tag-review > li", has_text="Night Shift")
        sunny = page.locator(".tag-review > li", has_text="Sunny Races")
        expect(night).to_contain_text("strong-language")
        expect(night).to_contain_text("slow-burn")
        expect(sunny).to_contain_text("fast-paced")
        expect(night).to_contain_text("cuts/min")
        shot(page, "tagging-review")

        # Bulk: every suggestion of Night Shift, and Sunny's "fast-paced".
        night.locator("input[name=title_id]").check()
        sunny.locator(".tag-pill", has_text="fast-paced").locator("input[name=tag_id]").check()
        page.get_by_role("button", name="Accept selected").click()
        page.goto(base + "/admin/tagging?status=accepted")
        night = page.locator(".tag-review > li", has_text="Night Shift")
        expect(night.locator(".tag-pill.status-accepted", has_text="dark")).to_be_visible()
        # Rename "slow-burn" to "slow".
        pill = night.locator(".tag-pill", has_text="slow-burn")
        pill.locator("summary").click()
        pill.locator("input[name=tag]").fill("Slow")
        pill.get_by_role("button", name="Save").click()
        expect(page.locator(".tag-pill.status-accepted", has_text="slow")).to_be_visible()

        # The title page shows the accepted tags; a chip opens the tag's search.
        page.locator(".tag-review > li h2 a", has_text="Night Shift").click()
        chips = page.locator(".title-tags .tag-chip")
        expect(chips.filter(has_text="strong language")).to_be_visible()
        shot(page, "tagging-title-chips")
        chips.filter(has_text="dark").click()
        page.wait_for_url(re.compile(r".*/search\?tag=dark$"))
        expect(page.locator("#results")).to_contain_text("Night Shift")
        expect(page.locator("#results")).not_to_contain_text("Sunny Races")
        assert not errors, errors
        browser.close()
