"""An admin adds a library, scans it, and uploads a video from the browser (tus-js-client)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, printed_setup_code
from tests.browser.test_first_run import shot
from tests.media_factory import make_text_file, make_video


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "movies"
    (folder / "Blade Runner (1982)").mkdir(parents=True)
    make_video(folder / "Blade Runner (1982)" / "Blade Runner (1982).mkv", seconds=1.0)
    make_text_file(folder / "notes.mkv", "this is not a video")
    return folder


def sign_up(page, server: LiveServer) -> None:
    """First run in the browser, with the setup code the server printed."""
    page.goto(server.url + "/setup")
    page.locator("input[name=setup_code]").fill(printed_setup_code(server))
    page.locator("input[name=username]").fill("owner")
    page.locator("input[name=password]").fill("my living room")
    page.locator("input[name=password_confirm]").fill("my living room")
    page.get_by_role("button", name="Create admin account").click()
    page.wait_for_url("**/profiles")


def test_add_library_scan_and_upload(live_server, browser_page, movie_folder, tmp_path) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)

    page.goto(base + "/admin/libraries/new")
    page.locator("input[name=name]").fill("Movies")
    page.locator("select[name=kind]").select_option("movies")
    page.locator("textarea[name=paths]").fill(str(movie_folder))
    page.get_by_role("button", name="Add library").click()
    page.wait_for_url(re.compile(r".*/admin/libraries.*"))

    # The watcher or the first scan picks the film up; "Scan now" makes sure.
    page.goto(base + "/admin/libraries")
    page.get_by_role("button", name="Scan now").first.click()
    for _ in range(30):
        page.goto(base + "/admin/titles")
        if page.get_by_role("link", name="Blade Runner").count():
            break
        page.wait_for_timeout(500)
    expect(page.get_by_role("link", name="Blade Runner")).to_be_visible()
    shot(page, "admin-titles")
    page.get_by_role("link", name="Blade Runner").click()
    expect(page.get_by_text("h264").first).to_be_visible()  # the media info panel
    page.set_viewport_size({"width": 1280, "height": 1400})
    shot(page, "admin-title-edit")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The viewer's home page now lists the film.
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")
    expect(page.get_by_role("heading", name="Recently added")).to_be_visible()
    expect(page.get_by_role("link", name="Blade Runner").first).to_be_visible()

    # The text file posing as a video is listed with its reason.
    page.goto(base + "/admin/libraries")
    page.get_by_role("link", name=re.compile("issue|fail", re.I)).first.click()
    expect(page.get_by_text("notes.mkv")).to_be_visible()
    shot(page, "admin-library-issues")

    # Upload a real clip through the tus uploader page.
    clip = make_video(tmp_path / "Holiday (2021).avi", seconds=1.0, container="mp4")
    page.goto(base + "/admin/uploads")
    page.locator("#upload-files").set_input_files(str(clip))
    expect(page.locator(".upload-item .upload-percent")).to_have_text("100%", timeout=30000)
    expect(page.locator(".upload-item .upload-state")).to_contain_text("Received")
    expect(page.locator(".upload-item .upload-pause")).to_be_hidden()
    shot(page, "admin-uploads")
    uploaded = live_server.data_dir / "uploads"
    for _ in range(40):
        found = list(uploaded.glob("library-*/Holiday (2021).mp4"))
        if found:
            break
        page.wait_for_timeout(250)
    assert found and found[0].read_bytes() == clip.read_bytes()
    assert page.console_errors == []
