"""An admin limits a user to one library on the user's page; in the user's own browser the other
library is nowhere: not on the home page, not in search, not by a URL typed in, not in the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_browse import add_library, csrf, wait_for_titles
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.library.scan_helpers import place, write
from tests.media_factory import make_video

FILMS = {"Movies": ["Paddington (2014)", "Heat (1995)"], "Documentaries": ["Ocean Deep (2020)"]}
PASSWORD = "bob's own password"


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    clip = make_video(tmp_path / "clip.mkv", seconds=1.0, width=96, height=64)
    found = {}
    for library, films in FILMS.items():
        root = tmp_path / library.lower()
        for folder in films:
            place(clip, root / folder / f"{folder}.mkv")
            write(
                root / folder / "movie.nfo",
                f"<movie><title>{folder[:-7]}</title><year>{folder[-5:-1]}</year>"
                "<plot>A film.</plot></movie>",
            )
        found[library] = root
    return found


def test_a_user_limited_to_one_library_sees_only_it(live_server, browser_page, folders) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    for name, folder in folders.items():
        add_library(page, base, name, "movies", folder)
    wait_for_titles(page, base, 3)
    titles = {
        t["title"]: t["id"] for t in page.request.get(base + "/api/v1/titles").json()["titles"]
    }
    ocean = titles["Ocean Deep"]

    resp = page.request.post(
        base + "/api/v1/users",
        headers={"X-CSRF-Token": csrf(page)},
        data={"username": "bob", "password": PASSWORD, "role": "user"},
    )
    assert resp.status == 201, resp.text()
    bob = resp.json()["id"]

    # The admin limits Bob to Movies on his page.
    page.goto(f"{base}/admin/users/{bob}")
    form = page.locator("form.user-limits")
    form.get_by_label("Only the ones ticked:").check()
    form.get_by_label("Movies").check()
    form.locator("select[name=max_height]").select_option("720")
    form.locator("input[name=max_streams]").fill("1")
    form.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("status")).to_contain_text("Limits saved")
    expect(form.get_by_label("Movies")).to_be_checked()
    expect(form.get_by_label("Documentaries")).not_to_be_checked()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "admin-user-limits")
    page.set_viewport_size({"width": 390, "height": 844})
    form.scroll_into_view_if_needed()
    shot(page, "admin-user-limits-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Bob, in his own browser.
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    bobs = context.new_page()
    bobs.goto(base + "/login")
    bobs.locator("input[name=username]").fill("bob")
    bobs.locator("input[name=password]").fill(PASSWORD)
    bobs.get_by_role("button", name="Sign in").click()
    bobs.wait_for_url("**/profiles")
    bobs.get_by_role("button", name="bob").click()
    bobs.wait_for_url(base + "/")

    expect(bobs.locator("main")).to_contain_text("Paddington")
    expect(bobs.locator("main")).not_to_contain_text("Ocean Deep")

    bobs.goto(base + "/search")
    bobs.locator("#q").press_sequentially("ocean", delay=40)
    expect(bobs.locator("#results")).not_to_contain_text("Ocean Deep")
    bobs.locator("#q").fill("")
    bobs.locator("#q").press_sequentially("heat", delay=40)
    expect(bobs.locator("#results")).to_contain_text("Heat")

    answer = bobs.goto(f"{base}/titles/{ocean}")
    assert answer is not None and answer.status == 404
    assert bobs.request.get(f"{base}/api/v1/catalog/titles/{ocean}").status == 404
    found = bobs.request.get(f"{base}/api/v1/search?q=ocean").json()["titles"]
    assert found == []
    assert bobs.request.get(f"{base}/images/titles/{ocean}/poster").status == 404
    # Bob streams on his laptop; his phone is one device too many: the player shows the
    # devices watching, he stops the laptop's play and watches on the phone.
    paddington = titles["Paddington"]
    film = bobs.request.get(f"{base}/api/v1/catalog/titles/{paddington}").json()["play"]
    laptop = bobs.request.post(
        f"{base}/api/v1/playback/{film['media_file_id']}",
        headers={"X-CSRF-Token": csrf(bobs)},
        data={},
    )
    assert laptop.status == 200, laptop.text()
    phone_context = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    phone = phone_context.new_page()
    phone.goto(base + "/login")
    phone.locator("input[name=username]").fill("bob")
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.get_by_role("button", name="bob").click()
    phone.wait_for_url(base + "/")
    phone.goto(f"{base}/watch/{film['media_file_id']}")
    phone.wait_for_url(re.compile(r".*/my-streams\?next=.*"))
    expect(phone.locator("main")).to_contain_text("may stream on 1 device at once")
    expect(phone.locator("table.my-streams")).to_contain_text("Paddington")
    shot(phone, "my-streams-phone")
    phone.get_by_role("button", name="Stop").click()
    expect(phone.get_by_role("status")).to_contain_text("Stopped")
    expect(phone.locator("table.my-streams")).to_contain_text("Nothing is playing")
    phone.get_by_role("link", name="Play again").click()
    phone.wait_for_url(re.compile(rf".*/watch/{film['media_file_id']}$"))
    expect(phone.locator("video")).to_have_count(1)
    phone.wait_for_timeout(1500)
    assert "/watch/" in phone.url  # not sent back to the streams page
    phone_context.close()

    # The admin, unlimited, still finds it at the same URLs.
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")
    answer = page.goto(f"{base}/titles/{ocean}")
    assert answer is not None and answer.status == 200
    assert page.request.get(f"{base}/api/v1/catalog/titles/{ocean}").status == 200
    context.close()
