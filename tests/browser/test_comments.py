"""Comments in headless Chromium, two users in their own browser contexts on one title page:
a comment posted by one appears for the other without a reload (and a reply and a like come
back the other way), markup in a comment stays text, a playback time in a comment opens the
player at that moment, the admin sees a reported comment, and a kids profile sees none of an
adult title's comments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import live_server, server_plugins  # noqa: F401 - fixtures
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library, packaged_file
from tests.media_factory import make_video
from tests.watchparty.browser_room import CHROMIUM, CHROMIUM_ARGS, api, create_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
VIDEO = "document.getElementById('video')"


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Night Train (2019)"
    folder.mkdir(parents=True)
    make_video(
        folder / "Night Train (2019).mkv", seconds=40, width=640, height=360, fps=24,
        subtitle_tracks=(),
    )  # fmt: skip
    (folder / "movie.nfo").write_text("<movie><mpaa>R</mpaa></movie>")
    return folder.parent


def open_comments(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#comments[data-title-id]")).to_be_visible(timeout=15000)
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads


def post(page, text: str) -> None:
    page.locator("#comment-text").fill(text)
    page.locator(".comment-form").get_by_role("button", name="Post").click()


def test_two_users_comment_live_and_time_links_open_the_player(live_server, movie_folder) -> None:  # noqa: F811
    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        owner = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        errors: list[str] = []
        owner.on("pageerror", lambda e: errors.append(str(e)))
        sign_up(owner, live_server)
        owner.locator("button.profile-tile").first.click()
        owner.wait_for_url(re.compile(r".*/$"))
        add_library(owner, base, movie_folder)
        media_file_id = packaged_file(owner, base)
        create_user(owner, "bea")
        title_id = owner.request.get(base + "/api/v1/titles").json()["titles"][0]["id"]
        title_url = f"{base}/titles/{title_id}"

        bea = sign_in(browser, base, "bea", viewport={"width": 390, "height": 844})
        open_comments(owner, title_url)
        open_comments(bea, title_url)
        expect(bea.locator("#comments")).to_contain_text("No comments yet.")

        # The owner comments; Bea sees it arrive without a reload, markup as text.
        post(owner, "The chase at 0:12 is <b>great</b>")
        first = bea.locator("#comment-list > li.comment").first
        expect(first).to_contain_text("The chase at 0:12 is <b>great</b>", timeout=10000)
        expect(bea.locator("#comment-list b")).to_have_count(0)
        expect(first.locator(".comment-author")).to_have_text("owner")
        assert bea.evaluate("() => window.__sameDocument") is True
        expect(bea.locator("#comments .comments-empty")).to_have_count(0)

        # Bea replies and likes; the owner sees both without a reload.
        first.locator("summary", has_text="Reply").click()
        first.locator("textarea[name=text]").fill("Agreed, what a scene")
        first.get_by_role("button", name="Reply").click()
        expect(owner.locator(".comment-replies .comment")).to_contain_text(
            "Agreed, what a scene", timeout=10000
        )
        first.locator("button[aria-pressed]").first.click()
        expect(owner.locator("#comment-list > li.comment .like-count").first).to_have_text(
            "1", timeout=10000
        )
        post(owner, "Second thoughts: the ending at 0:35 drags")
        expect(bea.locator("#comment-list > li.comment")).to_have_count(2, timeout=10000)
        assert owner.evaluate("() => window.__sameDocument") is True
        shot(owner, "comments")
        shot(bea, "comments-phone")

        # Bea reports a comment; the admin finds it listed.
        reported = bea.locator("#comment-list > li.comment").first
        reported.locator("summary", has_text="Report").click()
        reported.locator("input[name=reason]").fill("spoilers")
        reported.get_by_role("button", name="Report").click()
        owner.wait_for_timeout(500)
        owner.goto(base + "/admin/comments")
        expect(owner.locator("table.reported-comments")).to_contain_text("the ending at 0:35")
        expect(owner.locator("table.reported-comments")).to_contain_text("spoilers")
        shot(owner, "comments-admin")

        # A playback time in a comment opens the player there.
        link = bea.locator("a.comment-time", has_text="0:12")
        expect(link).to_have_attribute("href", f"/watch/{media_file_id}?t=12")
        link.click()
        bea.wait_for_url(re.compile(rf".*/watch/{media_file_id}\?t=12$"))
        bea.wait_for_function(f"() => {VIDEO}.currentTime >= 11.5", timeout=30000)
        assert bea.evaluate(f"() => {VIDEO}.currentTime") < 20

        # A kids profile sees none of this R-rated title's comments, even by URL.
        api(
            owner, "POST", "/api/v1/profiles",
            {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}, expect=201,
        )  # fmt: skip
        kid = browser.new_context().new_page()
        kid.context.add_cookies(owner.context.cookies())
        kid.goto(base + "/profiles")
        kid.get_by_role("button", name="Kid").click()
        kid.wait_for_url(re.compile(r".*/$"))
        for path in (f"/titles/{title_id}", f"/titles/{title_id}/comments",
                     f"/api/v1/titles/{title_id}/comments"):  # fmt: skip
            resp = kid.goto(base + path)
            assert resp is not None and resp.status == 404, path
            assert "chase" not in kid.content()

        assert errors == []
        assert bea.console_errors == []  # type: ignore[attr-defined]
        browser.close()
