"""In headless Chromium: a title saved for offline plays with the browser offline (the service
worker answers from Cache Storage) but not once the device's clock is set back before its
check-in, a download MP4 plays in a <video> element, and a saved title the admin revoked is
deleted from the browser at its next check-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser_page, live_server, server_plugins  # noqa: F401
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library, packaged_file
from tests.media_factory import make_video

pytestmark = pytest.mark.browser
PLAYING = "v => v.currentTime > 0.5 && !v.paused && v.readyState >= 2"


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Tide Pools (2021)"
    folder.mkdir(parents=True)
    make_video(folder / "Tide Pools (2021).mkv", seconds=4, width=320, height=240, fps=24,
               subtitle_tracks=(("eng", False),))  # fmt: skip
    return folder.parent


def play_muted(page, selector: str) -> None:
    """Autoplay with sound may be refused without a gesture: play muted, then wait for frames."""
    page.eval_on_selector(selector, "v => { v.muted = true; v.play(); }")
    page.wait_for_function(
        f"() => ({PLAYING})(document.querySelector('{selector}'))", timeout=20000
    )


def test_saved_title_plays_offline_and_mp4_plays_in_video(live_server, browser_page, movie_folder):  # noqa: F811
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, movie_folder)
    media_file_id = packaged_file(page, base)

    # The title page leads to the download form: qualities, audio, subtitles.
    page.goto(f"{base}/downloads/new/{media_file_id}")
    expect(page.get_by_role("heading", name=re.compile("Download"))).to_be_visible()
    save = page.get_by_role("button", name="Save for offline")
    expect(save).to_be_visible()
    page.get_by_role("checkbox", name="English").check()
    shot(page, "offline-download-form")
    save.click()
    play_link = page.locator("#play-offline")
    expect(play_link).to_be_visible(timeout=30000)
    player_path = play_link.get_attribute("href")
    download_id = int(player_path.rsplit("#", 1)[1])

    page.goto(f"{base}/downloads")
    expect(page.locator(f"#saved-{download_id}")).to_be_visible()
    expect(page.locator("#checkin-status")).to_contain_text("Checked in 1 saved title")
    shot(page, "offline-downloads")

    # Network off: the player page, its scripts and the title come from the browser.
    page.context.set_offline(True)
    page.goto(base + player_path)
    assert page.evaluate("() => navigator.onLine") is False
    expect(page.locator("#offline-title")).to_have_text("Tide Pools")
    play_muted(page, "#offline-video")
    shot(page, "offline-player")
    # The device's clock set back a day (to before the check-in) gives no more time: the
    # saved title counts as overdue until it checks in again.
    set_back = page.context.new_page()
    set_back.add_init_script("Date.now = ((real) => () => real() - 86400000)(Date.now)")
    set_back.goto(base + player_path)
    expect(set_back.locator("#offline-message")).to_contain_text("clock was set back")
    expect(set_back.locator("#offline-video")).to_be_hidden()
    set_back.close()
    page.context.set_offline(False)

    # A download MP4 (its signed URL) plays in a plain <video> element.
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    made = page.evaluate(
        """async ([id, csrf]) => {
            const r = await fetch('/api/v1/offline/downloads', {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
              body: JSON.stringify({media_file_id: id, kind: 'file'})});
            return r.json();
        }""",
        [media_file_id, csrf],
    )
    page.evaluate(
        """url => { const v = document.createElement('video'); v.id = 'mp4'; v.src = url;
                    v.controls = true; document.querySelector('main').prepend(v); }""",
        made["url"],
    )
    play_muted(page, "#mp4")
    assert page.eval_on_selector("#mp4", "v => Math.round(v.duration)") == 4

    # The admin revokes the saved title: at the next check-in it is deleted from the browser.
    page.goto(f"{base}/admin/downloads")
    page.locator(f"#download-{download_id}").get_by_role("button", name="Revoke").click()
    expect(page.locator(".notice")).to_contain_text("revoked")
    shot(page, "offline-admin")
    page.goto(f"{base}/downloads")
    expect(page.locator("#checkin-status")).to_contain_text("Revoked by an administrator")
    expect(page.locator(f"#saved-{download_id}")).to_have_count(0)
    page.goto(base + player_path)
    expect(page.locator("#offline-message")).to_contain_text("not saved in this browser")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_title_without_ladder_is_saved_from_its_source(live_server, browser_page, movie_folder):  # noqa: F811
    """An on-the-fly library: the title page offers the download, the form says the file is
    made first, and Save for offline waits through the 202s until the made MP4 is saved."""
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, movie_folder, policy="on_the_fly")
    title_id = None
    for _ in range(120):
        found = page.request.get(base + "/api/v1/search?q=Tide").json()["titles"]
        if found:
            title_id = found[0]["id"]
            break
        page.wait_for_timeout(500)
    assert title_id is not None, "the title was not scanned in time"
    page.goto(f"{base}/titles/{title_id}")
    page.get_by_role("link", name=re.compile("Download for offline")).click()
    expect(page.locator("#from-source")).to_be_visible()
    shot(page, "offline-download-form-source")
    page.get_by_role("button", name="Save for offline").click()
    expect(page.locator("#play-offline")).to_be_visible(timeout=60000)
    page.locator("#play-offline").click()
    play_muted(page, "#offline-video")
