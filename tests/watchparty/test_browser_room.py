"""Watch together in headless Chromium, three users in their own browser contexts in one room
on a packaged title: the room is started from the title page, members join by an invite link
and by a direct invitation, and every member's video follows the room's clock.

Checked as members see it: after a play and after a seek every member's position is within
100 ms of the room's; a pause by a non-host in a host-only room is refused (the video plays on
and the member is told why); chat text arrives as text and reactions float over the video; a
reload rejoins at the room's position; a late joiner starts there without pausing anyone; a kids
profile cannot open the adult title's room.
"""

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
from tests.watchparty.browser_room import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SAMPLE,
    api,
    create_user,
    drifts,
    invite_link,
    join,
    sign_in,
    wait_in_sync,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
VIDEO = "document.getElementById('video')"
COUNT_PAUSES = (
    f"() => {{ window.__pauses = 0; {VIDEO}.addEventListener('pause', () => window.__pauses++); }}"
)


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Harbour Lights (2021)"
    folder.mkdir(parents=True)
    make_video(
        folder / "Harbour Lights (2021).mkv", seconds=60, width=640, height=360, fps=24,
        subtitle_tracks=(),
    )  # fmt: skip
    (folder / "movie.nfo").write_text("<movie><mpaa>R</mpaa></movie>")
    return folder.parent


def seek_with_timeline(page, seconds: float) -> None:
    """Drag the timeline to a time, as a viewer would (the range input's input, then change)."""
    page.locator("#player").hover()
    page.evaluate(
        """(t) => { const s = document.getElementById('seek'); s.value = String(t);
        s.dispatchEvent(new Event('input', {bubbles: true}));
        s.dispatchEvent(new Event('change', {bubbles: true})); }""",
        seconds,
    )


def test_three_members_stay_together_on_a_packaged_title(live_server, movie_folder) -> None:  # noqa: F811
    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        owner = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        owner_errors: list[str] = []
        owner.on("pageerror", lambda e: owner_errors.append(str(e)))
        sign_up(owner, live_server)
        owner.locator("button.profile-tile").first.click()
        owner.wait_for_url(re.compile(r".*/$"))
        add_library(owner, base, movie_folder)
        media_file_id = packaged_file(owner, base)
        create_user(owner, "bea")
        cal_id = create_user(owner, "cal")

        # The owner starts a room from the title page: host-only control.
        titles = owner.request.get(base + "/api/v1/titles").json()["titles"]
        owner.goto(f"{base}/titles/{titles[0]['id']}")
        shot(owner, "watchparty-start")
        owner.get_by_role("button", name=re.compile("Watch together")).click()
        owner.wait_for_url(re.compile(rf".*/watch/{media_file_id}\?room=[\w-]+"))
        room_id = re.search(r"room=([\w-]+)", owner.url).group(1)  # type: ignore[union-attr]
        owner.wait_for_function("() => window.__room && window.__room.connected", timeout=15000)
        expect(owner.locator("#wp-members")).to_contain_text("owner")
        expect(owner.locator("#wp-members .wp-host")).to_have_count(1)

        # Bea joins by an invite link; Cal is invited directly and joins later.
        bea = sign_in(browser, base, "bea")
        join(bea, invite_link(owner, room_id))
        api(owner, "POST", f"/api/v1/rooms/{room_id}/members", {"user_ids": [cal_id]}, expect=200)
        expect(owner.locator("#wp-members")).to_contain_text("bea")
        expect(bea.locator("#wp-members")).to_contain_text("owner")

        # Play: both start together and stay within 100 ms of the room.
        owner.locator("#player").hover()
        owner.locator("#play").click()
        wait_in_sync([owner, bea], playing=True)
        assert max(drifts([owner, bea])) < 0.1
        expect(bea.locator(".wp-member", has_text="bea")).to_contain_text("Watching")

        # Seek with the timeline: both land at the new position, together.
        seek_with_timeline(owner, 20)
        owner.wait_for_function("() => window.__room.roomPosition() > 19.5", timeout=10000)
        wait_in_sync([owner, bea], playing=True)
        assert max(drifts([owner, bea])) < 0.1
        assert bea.evaluate(SAMPLE)["t"] > 19.5

        # A pause by Bea is refused in a host-only room: the video plays on, she is told why.
        bea.locator("#player").hover()
        bea.locator("#play").click()
        expect(bea.locator("#wp-error")).to_be_visible()
        expect(bea.locator("#wp-error")).to_contain_text(re.compile("host", re.I))
        bea.wait_for_timeout(1000)
        for page in (owner, bea):
            sample = page.evaluate(SAMPLE)
            assert not sample["paused"] and sample["playing"], sample

        # Chat arrives as text (never as markup); reactions float over the video.
        bea.locator("#wp-chat-text").fill("<b>popcorn</b> ready?")
        bea.locator("#wp-chat-text").press("Enter")
        line = owner.locator("#wp-chat .wp-line").last
        expect(line).to_contain_text("<b>popcorn</b> ready?")
        expect(owner.locator("#wp-chat b")).to_have_count(0)
        owner.locator("#wp-chat-text").fill("Yes! Lights down.")
        owner.get_by_role("button", name="Send").click()
        expect(bea.locator("#wp-chat")).to_contain_text("Lights down")
        bea.get_by_role("button", name="Party").click()
        owner.get_by_role("button", name="Fire").click()
        expect(owner.locator("#wp-floats .wp-float").first).to_be_visible()
        expect(bea.locator("#wp-floats .wp-float", has_text="🔥")).to_be_visible()
        owner.locator("#wp-invite").click()
        expect(owner.locator("#wp-invites .wp-link")).to_have_count(1)
        owner.locator("#player").hover()
        shot(owner, "watchparty-room")

        # Back to the start of the title: the rest has time to run on a busy machine.
        seek_with_timeline(owner, 5)
        owner.wait_for_function("() => window.__room.roomPosition() < 10", timeout=10000)
        wait_in_sync([owner, bea], playing=True)

        # A late joiner (on a phone) starts at the room's position; nobody else pauses.
        for page in (owner, bea):
            page.evaluate(COUNT_PAUSES)
        cal = sign_in(browser, base, "cal", viewport={"width": 390, "height": 844})
        cal.goto(base + "/rooms")
        expect(cal.locator("body")).to_contain_text("Harbour Lights")
        join(cal, f"/rooms/{room_id}")
        wait_in_sync([owner, bea, cal], playing=True)
        assert max(drifts([owner, bea, cal])) < 0.1
        assert [p.evaluate("() => window.__pauses") for p in (owner, bea)] == [0, 0]
        expect(owner.locator("#wp-members .wp-member")).to_have_count(3)
        bea.get_by_role("button", name="Thumbs up").click()
        expect(cal.locator("#wp-floats .wp-float").first).to_be_visible()
        shot(cal, "watchparty-room-phone")

        # A reload rejoins at the room's position.
        before = bea.evaluate(SAMPLE)["room"]
        bea.reload()
        bea.wait_for_function("() => window.__room && window.__room.connected", timeout=15000)
        wait_in_sync([bea], playing=True)
        after = bea.evaluate(SAMPLE)
        assert after["t"] >= before and abs(after["t"] - after["room"]) < 0.1

        # A kids profile of the owner's account cannot open the room of this R-rated title.
        api(
            owner, "POST", "/api/v1/profiles",
            {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}, expect=201,
        )  # fmt: skip
        kid = browser.new_context().new_page()
        kid.context.add_cookies(owner.context.cookies())
        kid.goto(base + "/profiles")
        kid.get_by_role("button", name="Kid").click()
        kid.wait_for_url(re.compile(r".*/$"))
        resp = kid.goto(f"{base}/rooms/{room_id}")
        assert resp is not None and resp.status == 404
        assert kid.locator("video").count() == 0

        assert owner_errors == []
        assert bea.console_errors == [] and cal.console_errors == []  # type: ignore[attr-defined]
        browser.close()
