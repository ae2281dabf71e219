"""The admin jobs page updates live in a real browser while a job runs (no reload)."""

from __future__ import annotations

import asyncio
import re
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from mediaserver.db.engine import create_database
from mediaserver.jobs import queue
from tests.browser.conftest import printed_setup_code
from tests.browser.test_first_run import shot

# A job type that takes a few seconds and reports progress: installed as a folder plugin.
SLOW_PLUGIN = textwrap.dedent("""
    import asyncio
    from mediaserver.hookspecs import hookimpl

    async def slow(ctx):
        for step in range(1, 21):
            await asyncio.sleep(0.25)
            await ctx.progress(step * 5.0, fps=24.0, eta=(20 - step) * 0.25, message=f"step {step}")

    @hookimpl
    def register_job_handlers():
        return {"test.slow": slow}
""")


def _enqueue(db_url: str) -> int:
    async def run() -> int:
        db = create_database(db_url)
        try:
            return await queue.enqueue(db, "test.slow", {"title": "<b>not bold</b>"})
        finally:
            await db.close()

    # Playwright's sync API owns this thread's event loop; use a thread of our own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture
def server_plugins() -> dict[str, str]:
    return {"slow_job.py": SLOW_PLUGIN}


def test_jobs_page_shows_live_progress(live_server, browser_page) -> None:
    page = browser_page
    page.goto(live_server.url + "/setup")
    page.get_by_label("Setup code").fill(printed_setup_code(live_server))
    page.get_by_label("Admin username").fill("owner")
    page.get_by_label("Password (at least 8 characters)").fill("my living room")
    page.get_by_label("Password again").fill("my living room")
    page.get_by_role("button", name="Create admin account").click()
    page.wait_for_url("**/profiles")
    page.goto(live_server.url + "/admin/jobs")
    expect(page.get_by_text("This server runs:")).to_contain_text("test.slow")

    job_id = _enqueue(live_server.db_url)
    row = page.locator(f"#job-{job_id}")
    row.wait_for(timeout=15000)  # appeared without a reload
    # At least 30% reached while the job runs (the CSP forbids eval, so poll with expect).
    expect(row.locator(".job-percent")).to_have_text(re.compile(r"^([3-9]\d)\.\d%$"), timeout=15000)
    assert "step" in row.locator(".job-message").inner_text()
    shot(page, "admin-jobs")
    expect(row.locator(".job-status")).to_have_text("succeeded", timeout=20000)
    assert row.locator(".job-percent").inner_text() == "100.0%"
    assert page.console_errors == []
