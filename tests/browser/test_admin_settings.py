"""Admin > Settings in headless Chromium: a streaming limit changed on the page takes effect in the
running server (the next playback decision obeys it, no restart); a wrong value is shown next to
its field and nothing is saved; a setting that needs a restart gets one from the page; the page
reads well on a phone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_player import add_library
from tests.media_factory import make_video

PLAYBACK = """async (id) => {
  const types = ['video/mp4; codecs="avc1.42E01E"', 'video/mp4; codecs="avc1.4D401F"',
                 'video/mp4; codecs="avc1.640028"', 'audio/mp4; codecs="mp4a.40.2"'];
  const mse = {};
  types.forEach((t) => (mse[t] = MediaSource.isTypeSupported(t)));
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
  const answer = await fetch("/api/v1/playback/" + id, {
    method: "POST", body: JSON.stringify({mse: mse}),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
  return await answer.json();
}"""


def _playback(page, file_id: int) -> dict:
    """The server's playback decision for this browser (what the player would be told)."""
    return page.evaluate(PLAYBACK, file_id)


@pytest.fixture
def clip_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies" / "Remux Me (2020)"
    folder.mkdir(parents=True)
    make_video(
        folder / "Remux Me (2020).mkv", seconds=4, width=640, height=360, fps=24,
        subtitle_tracks=(),
    )  # fmt: skip
    return folder.parent


def _file_id(page, base: str) -> int:
    for _ in range(60):
        titles = page.request.get(base + "/api/v1/search").json()["titles"]
        if titles and titles[0]["play"]:
            return int(titles[0]["play"].rsplit("/", 1)[1])
        page.wait_for_timeout(500)
    raise AssertionError("the scan did not find the clip")


def _page_errors(page) -> list[str]:
    """Console errors, less the refusals of the inline style Playwright adds to hide the caret
    while it takes a screenshot (the page's CSP refuses it; only with screenshots on)."""
    shots = bool(os.environ.get("MEDIASERVER_SCREENSHOTS"))
    return [e for e in page.console_errors if not (shots and "Applying inline style" in e)]


def _field(page, key: str):
    return page.locator(f'[id="field-{key}"]')


def _saved_file(live_server) -> Path:
    return live_server.data_dir / "settings.toml"


def test_streaming_limit_applies_at_once_and_wrong_values_change_nothing(
    live_server, browser_page, clip_folder
) -> None:
    page = browser_page
    base = live_server.url
    failures: list[str] = []
    page.on(
        "response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None
    )
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, clip_folder, policy="on_the_fly")
    file_id = _file_id(page, base)

    # Before: no height cap, so the 360p clip is remuxed as it is.
    assert _playback(page, file_id)["method"] == "remux"

    page.goto(base + "/admin/settings")
    height = _field(page, "streaming.max_height")
    expect(height).to_contain_text("default")
    expect(height).to_contain_text("applies at once")
    # What the command line set is shown read-only, with the reason.
    port = _field(page, "server.port")
    expect(port.locator("input")).to_be_disabled()
    expect(port).to_contain_text("Read-only: set on the command line")
    shot(page, "admin-settings")

    # A wrong value: a message next to the field, nothing saved anywhere.
    sessions = _field(page, "streaming.max_sessions")
    sessions.locator("input").fill("0")
    height.locator("input").fill("240")  # valid, but saved only with everything else
    page.get_by_role("button", name="Save changes").click()
    expect(sessions.locator(".field-error")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#settings-area .alert")).to_contain_text("nothing was saved")
    expect(sessions.locator("input")).to_have_value("0")  # what was typed stays to be fixed
    assert not _saved_file(live_server).exists()
    assert _playback(page, file_id)["method"] == "remux"
    sessions.scroll_into_view_if_needed()
    shot(page, "admin-settings-error")

    # Fixed and saved: in effect at once, without a restart.
    page.goto(base + "/admin/settings")
    sessions = _field(page, "streaming.max_sessions")
    sessions.locator("input").fill("6")
    _field(page, "streaming.max_height").locator("input").fill("240")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#settings-area .notice")).to_contain_text("in effect now")
    expect(_field(page, "streaming.max_height")).to_contain_text("file")
    offer = _playback(page, file_id)  # a new playback decision, same server process
    assert offer["method"] == "transcode", offer
    assert "240" in offer["reason"]
    saved = _saved_file(live_server).read_text()
    assert "max_height = 240" in saved and "max_sessions = 6" in saved

    # The JSON twin agrees.
    settings = {
        s["key"]: s for s in page.request.get(base + "/api/v1/admin/settings").json()["settings"]
    }
    assert settings["streaming.max_height"]["running"] == 240
    assert settings["streaming.max_sessions"]["source"] == "file"

    # A setting used only after a restart says so.
    page.goto(base + "/admin/settings")
    _field(page, "server.shutdown_timeout").locator("input").fill("20")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".restart-needed")).to_contain_text("server.shutdown_timeout")
    expect(
        page.locator(".restart-needed").get_by_role("button", name="Restart now")
    ).to_be_visible()
    expect(_field(page, "server.shutdown_timeout")).to_contain_text(
        "15 seconds until the server restarts"
    )

    assert failures == []
    assert _page_errors(page) == []

    # Restart: the server stops gracefully and `mediaserver serve` starts again in its process,
    # with the saved value; the page comes back by itself.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".restart-needed").get_by_role("button", name="Restart now").click()
    expect(page.get_by_role("heading", name="Restarting…")).to_be_visible()
    page.wait_for_url(re.compile(r".*/admin/settings$"), timeout=60000)
    timeout = _field(page, "server.shutdown_timeout")
    expect(timeout.locator("input")).to_have_value("20")
    expect(timeout).not_to_contain_text("until the server restarts")
    expect(page.locator(".restart-needed")).to_have_count(0)
    log = (live_server.data_dir / "server.log").read_text()
    assert "restarting:" in log and log.count("starting mediaserver") == 2
    # While it was down the restarting page's polls were refused: expected, not the page's fault.
    page.console_errors.clear()  # type: ignore[attr-defined]
    failures.clear()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/admin/settings#section-streaming")
    shot(page, "admin-settings-phone")
    assert failures == []
    assert _page_errors(page) == []
