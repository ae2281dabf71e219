"""Poster tests and intro markers in a real browser: a card under test is counted once after it
has been at least half visible for a second; the admin's poster test page and the intro
correction page (screenshots with MEDIASERVER_SCREENSHOTS=1)."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

from mediaserver.db.artwork_ab_schema import intro_detections
from mediaserver.db.catalog_schema import images
from mediaserver.db.engine import create_database
from mediaserver.db.viewer_schema import media_markers
from tests.browser.test_browse import make_poster
from tests.browser.test_first_run import SHOTS, shot
from tests.browser.test_library import sign_up
from tests.catalog.seed import Catalog

COLOURS = [(200, 90, 40), (30, 60, 140), (40, 130, 60)]


async def _seed(server) -> tuple[int, dict[tuple[int, int], int]]:
    """A film with three generated poster candidates (files in storage) and a series whose
    season has detected markers."""
    db = create_database(server.db_url)
    try:
        cat = Catalog(db)
        title_id, _ = await cat.movie("Heat", rating="R", year=1995)
        storage = server.data_dir / "storage"
        async with db.write() as conn:
            for i, rgb in enumerate(COLOURS):
                key = f"ladders/{title_id}/v1/posters/p{i}.jpg"
                (storage / key).parent.mkdir(parents=True, exist_ok=True)
                make_poster(storage / key, rgb)
                await conn.execute(images.insert().values(
                    title_id=title_id, kind="poster", source="generated", location=key,
                    width=200, height=300, is_selected=i == 0, created_at=time.time()))  # fmt: skip
        _, files = await cat.series("The Signal", season_count=1, per_season=4)
        async with db.write() as conn:
            for e, cold in ((1, 62.0), (2, 95.5), (3, 8.0), (4, None)):
                fid = files[(1, e)]
                row = {"media_file_id": fid, "season_id": None, "detected_at": time.time()}
                if cold is not None:
                    await conn.execute(
                        media_markers.insert().values(
                            media_file_id=fid,
                            kind="intro",
                            start_seconds=cold,
                            end_seconds=cold + 31.2,
                            source="detected",
                            updated_at=time.time(),
                        )
                    )
                    row |= {"intro_start": cold, "intro_end": cold + 31.2}
                await conn.execute(
                    media_markers.insert().values(
                        media_file_id=fid,
                        kind="credits",
                        start_seconds=1140.0,
                        end_seconds=1200.0,
                        source="detected",
                        updated_at=time.time(),
                    )
                )
                await conn.execute(intro_detections.insert().values(
                    **row, credits_start=1140.0, credits_end=1200.0))  # fmt: skip
        return title_id, files
    finally:
        await db.close()


def test_a_card_counts_once_and_the_admin_pages(live_server, browser_page) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    # Playwright's loop runs in this thread: seed from another one.
    with ThreadPoolExecutor(1) as pool:
        title_id, files = pool.submit(lambda: asyncio.run(_seed(live_server))).result()
    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")

    card = page.locator("img[data-poster-test]").first
    shown = int(card.get_attribute("data-poster-test"))
    with page.expect_response("**/api/v1/posters/impressions", timeout=10_000) as reported:
        pass  # half visible for a second, then the batch goes out
    assert reported.value.json()["counted"] == 1
    page.wait_for_timeout(3500)  # still in view: not counted again in this page view
    test = page.request.get(f"{base}/api/v1/admin/posters/{title_id}").json()
    seen = {c["image_id"]: c["impressions"] for c in test["candidates"]}
    assert seen[shown] == 1 and sum(seen.values()) == 1
    assert page.console_errors == []  # type: ignore[attr-defined]

    page.goto(f"{base}/admin/posters/{title_id}")
    assert page.locator("table.ab-candidates tbody tr").count() == 3
    shot(page, "poster-test-admin")

    season = page.request.get(f"{base}/admin/intro").text()
    assert "The Signal" in season
    page.goto(f"{base}/admin/intro")
    page.get_by_role("link", name="Season 1").click()
    row = page.locator(f"#file-{files[(1, 4)]}")
    row.locator("input[name=intro_start]").fill("1:02")
    row.locator("input[name=intro_end]").fill("1:33")
    row.locator("form.marker-fix").first.get_by_role("button", name="Save").click()
    page.wait_for_url("**done=saved**")
    assert "locked" in page.locator(f"#file-{files[(1, 4)]}").inner_text()
    if os.environ.get("MEDIASERVER_SCREENSHOTS"):  # the whole season, down to the locked row
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "intro-markers-admin.png"), full_page=True)
