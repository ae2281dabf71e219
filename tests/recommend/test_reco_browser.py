"""Recommendations in a real browser: after a film is watched and the model retrained, the home
page has Top picks whose cards say why, Not interested takes a card away without a reload, and
a title page has More like this."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import conftest as browser_fixtures
from tests.browser import test_browse
from tests.browser.test_browse import add_library, csrf, wait_for_titles
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up

pytestmark = pytest.mark.browser
live_server = browser_fixtures.live_server
browser_page = browser_fixtures.browser_page
server_plugins = browser_fixtures.server_plugins
media = test_browse.media  # five films with posters, genres and one actor in common


def test_home_rows_say_why_and_title_has_more_like_this(live_server, browser_page, media) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    add_library(page, base, "Movies", "movies", media[0])
    wait_for_titles(page, base, 5)
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")

    titles = {
        t["title"]: t["id"] for t in page.request.get(base + "/api/v1/titles").json()["titles"]
    }
    heat = page.request.get(f"{base}/api/v1/catalog/titles/{titles['Heat']}").json()
    resp = page.request.put(
        f"{base}/api/v1/progress/{heat['play']['media_file_id']}",
        headers={"X-CSRF-Token": csrf(page)},
        data={"position": 1.0, "duration": 1.0},
    )
    assert resp.ok, resp.text()
    page.goto(base + "/admin/recommendations")
    page.get_by_role("button", name="Retrain now").click()
    for _ in range(120):
        if page.request.get(base + "/api/v1/admin/recommendations").json()["finished_at"]:
            break
        page.wait_for_timeout(250)

    page.goto(base + "/")
    row = page.locator("section.row", has=page.get_by_role("heading", name="Top picks for owner"))
    expect(row).to_be_visible()
    expect(row.locator(".tc-meta").first).to_have_text("Because you watched Heat")
    expect(row.locator(".tc-name").first).to_have_text("Ronin")  # crime, and the same actor
    page.evaluate("y => window.scrollTo(0, y)", row.bounding_box()["y"] - 380)
    page.wait_for_timeout(300)
    shot(page, "recommendations")
    before = row.locator("li.tc").count()
    row.locator("li.tc").first.hover()
    row.locator(".tc-dismiss button").first.click()
    expect(row.locator("li.tc")).to_have_count(before - 1)
    expect(row.locator(".tc-name").first).not_to_have_text("Ronin")

    page.goto(f"{base}/titles/{titles['Wall-E']}")  # nobody played it: metadata alone
    similar = page.locator("#similar")
    expect(similar.get_by_role("heading", name="More like this")).to_be_visible()
    expect(similar.locator(".tc-name").first).to_have_text("Paddington")  # Family
    similar.scroll_into_view_if_needed()
    shot(page, "recommendations-similar")
    assert not page.console_errors  # type: ignore[attr-defined]
