"""The audit log in a real browser: actions an admin takes show up on the page, the search form
narrows them without a reload, and the export links carry the search; screenshots on a desktop
and a phone."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import printed_setup_code

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str) -> None:
    """The whole page (on demand, as the other screenshots: MEDIASERVER_SCREENSHOTS=1)."""
    if os.environ.get("MEDIASERVER_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def add_user(page, base: str, name: str) -> None:
    page.goto(base + "/admin/users")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password (at least 8 characters)").fill(f"{name}-password-1")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_audit_page_lists_searches_and_exports(live_server, browser_page) -> None:
    page, base = browser_page, live_server.url
    page.goto(base + "/setup")
    page.get_by_label("Setup code").fill(printed_setup_code(live_server))
    page.get_by_label("Admin username").fill("owner")
    page.get_by_label("Password (at least 8 characters)").fill("my living room")
    page.get_by_label("Password again").fill("my living room")
    page.get_by_role("button", name="Create admin account").click()
    page.wait_for_url("**/profiles")
    for name in ("bob", "carol", "dave"):
        add_user(page, base, name)

    page.goto(base + "/admin/audit")
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("user dave")  # newest first
    expect(rows.first).to_contain_text("owner")
    expect(rows.first).to_contain_text("user.create")
    expect(page.get_by_role("link", name="Audit log")).to_have_attribute("aria-current", "page")
    shot(page, "admin-audit")

    page.get_by_label("Search").fill("carol")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("user carol")
    assert "q=carol" in page.url  # the search is in the address, for sharing or reloading
    csv_href = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert csv_href == "/admin/audit.csv?q=carol"
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("id,time_utc,") and "user carol" in text and "bob" not in text

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/admin/audit")
    expect(rows).to_have_count(3)
    shot(page, "admin-audit-phone")
    assert page.console_errors == []
