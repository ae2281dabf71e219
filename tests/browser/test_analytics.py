"""Analytics in a real browser: generated viewers of a film, rolled up by the server's own job,
and the retention chart marks the drop-off where the generated data put it."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from mediaserver.db.engine import create_database
from tests.analytics.events import CHROME, IPHONE, add_play, add_viewers
from tests.browser.conftest import printed_setup_code
from tests.browser.test_first_run import shot
from tests.catalog.player_helpers import build_catalog

VIEWERS = 100
STOPPERS = 60  # 60% of them stop at 40% of the film


def _generate(db_url: str) -> int:
    """100 viewers of Paddington (200 s): 60 stop at 80 s, 40 watch to the end. Its file id."""

    async def run() -> int:
        db = create_database(db_url)
        try:
            cat = await build_catalog(db)
            start = time.time() - 86400
            for i, (user_id, profile_id) in enumerate(await add_viewers(db, VIEWERS, start)):
                end = 80.0 if i < STOPPERS else 200.0
                await add_play(
                    db,
                    user_id=user_id,
                    profile_id=profile_id,
                    media_file_id=cat.paddington,
                    started_at=start + i * 300,
                    watched=end,
                    position=end,
                    beats_every=10,
                    client=IPHONE if i % 3 == 0 else CHROME,
                )
            return cat.paddington
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_retention_chart_marks_the_generated_drop_off(live_server, browser_page) -> None:
    page = browser_page
    page.goto(live_server.url + "/setup")
    page.get_by_label("Setup code").fill(printed_setup_code(live_server))
    page.get_by_label("Admin username").fill("owner")
    page.get_by_label("Password (at least 8 characters)").fill("my living room")
    page.get_by_label("Password again").fill("my living room")
    page.get_by_role("button", name="Create admin account").click()
    page.wait_for_url("**/profiles")
    file_id = _generate(live_server.db_url)

    page.goto(live_server.url + "/admin/analytics")
    page.get_by_role("button", name="Roll up now").click()
    chart = page.locator("#retention svg.chart")
    for _ in range(40):  # the server's rollup job runs in the background
        page.goto(f"{live_server.url}/admin/analytics/retention?file={file_id}")
        card = page.locator("#retention")
        if card.count() and card.get_attribute("data-viewers") == str(VIEWERS):
            break
        time.sleep(0.5)
    expect(chart).to_have_attribute("data-dropoffs", "40")
    expect(page.locator("#retention")).to_have_attribute("data-viewers", str(VIEWERS))
    first = page.locator(".dropoffs li").first
    expect(first).to_have_attribute("data-dropoff", "40")
    expect(first).to_contain_text("60.0 points")
    # The table behind the chart says the same: everyone at 40%, 40% of them just after.
    page.get_by_text("Data table").first.click()
    rows = page.locator("#retention table tbody tr")
    expect(rows.nth(40).locator("td").nth(2)).to_have_text("100.0%")
    expect(rows.nth(41).locator("td").nth(2)).to_have_text("40.0%")
    shot(page, "analytics-retention")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/analytics/retention?file={file_id}#retention")
    shot(page, "analytics-retention-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/analytics")
    expect(page.locator("#top_movies")).to_contain_text("Paddington")
    shot(page, "analytics-watching")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/admin/analytics#over_time")
    shot(page, "analytics-watching-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/analytics/quality")
    expect(page.locator("#qoe_browser")).to_contain_text("safari")
    shot(page, "analytics-quality")
    assert page.console_errors == []
