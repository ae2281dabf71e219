"""A search that led to a play, in a real browser: typing in the search box, opening a result
(its link carries the signed search reference, the page's script reports it) and starting a
play of that title records the search with the play."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import conftest as browser_fixtures
from tests.browser import test_browse
from tests.browser.test_browse import add_library, csrf, wait_for_titles
from tests.browser.test_library import sign_up

pytestmark = pytest.mark.browser
live_server = browser_fixtures.live_server
browser_page = browser_fixtures.browser_page
server_plugins = browser_fixtures.server_plugins
media = test_browse.media  # five films with posters, genres and one actor in common


def test_opening_a_search_result_then_playing_records_the_search(
    live_server, browser_page, media
) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    add_library(page, base, "Movies", "movies", media[0])
    wait_for_titles(page, base, 5)
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")

    page.goto(base + "/search")
    page.fill("#q", "Heat")  # results come as you type (HTMX)
    link = page.locator("#results a.tc-link", has_text="Heat")
    expect(link).to_have_attribute("href", re.compile(r"^/titles/\d+\?sref="))
    assert "Heat" not in (link.get_attribute("href") or "")
    link.click()
    page.wait_for_url(re.compile(r"/titles/\d+\?sref="))
    title_id = int(page.url.split("/titles/")[1].split("?")[0])
    details = page.request.get(f"{base}/api/v1/catalog/titles/{title_id}").json()
    file_id = details["play"]["media_file_id"]
    for _ in range(40):  # the report is posted as the page changes; give it a moment to land
        resp = page.request.post(
            base + "/api/v1/plays",
            headers={"X-CSRF-Token": csrf(page)},
            data={"media_file_id": file_id, "method": "direct"},
        )
        assert resp.status == 201, resp.text()
        plays = page.request.get(base + "/api/v1/recommendations/search-plays").json()["plays"]
        if plays:
            break
        page.wait_for_timeout(250)
    assert [(p["query"], p["title_id"]) for p in plays] == [("Heat", title_id)]
    assert not page.console_errors  # type: ignore[attr-defined]
