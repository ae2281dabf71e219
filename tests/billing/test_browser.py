"""In a real browser against a real server: the admin turns billing on and picks the pre-roll;
a Free user's player shows the pre-roll (Skip only after 5 s) and offers 480p at most; the user
subscribes through Checkout (the Stripe-compatible fake's page), the webhooks arrive and the
plan changes; on a 2-screen plan the third screen is refused with the devices watching."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.billing.fake_stripe import FakeStripe
from tests.browser.conftest import browser_page, live_server, server_plugins  # noqa: F401
from tests.browser.test_browse import add_library, csrf, wait_for_titles
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.library.scan_helpers import place
from tests.media_factory import make_video

pytestmark = pytest.mark.browser
SECRET = "whsec_browser"
PASSWORD = "bob's own password"


@pytest.fixture
def fake_stripe_thread() -> Iterator[FakeStripe]:
    """The fake on its own event loop in a thread (the browser test itself is synchronous)."""
    fake = FakeStripe(SECRET)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    film = make_video(tmp_path / "film.mkv", seconds=2.0, width=1280, height=720)
    promo = make_video(
        tmp_path / "promo.mp4",
        seconds=7.0,
        width=160,
        height=90,
        container="mp4",
        subtitle_tracks=(),
        faststart=True,
    )
    place(film, tmp_path / "movies" / "Big Film (2020)" / "Big Film (2020).mkv")
    place(promo, tmp_path / "promos" / "House Promo (2024)" / "House Promo (2024).mp4")
    return {"Movies": tmp_path / "movies", "Promos": tmp_path / "promos"}


def _turn_billing_on(page, base: str, fake: FakeStripe) -> None:
    resp = page.request.patch(
        base + "/api/v1/admin/settings",
        headers={"X-CSRF-Token": csrf(page)},
        data={
            "billing.enabled": True,
            "billing.stripe_secret_key": "sk_test_browser",
            "billing.stripe_webhook_secret": SECRET,
            "billing.stripe_api_base": fake.base,
        },
    )
    assert resp.status == 200, resp.text()
    fake.webhook_url = base + "/webhooks/stripe"


def _sign_in(context, base: str):
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("input[name=username]").fill("bob")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="bob").click()
    page.wait_for_url(base + "/")
    return page


def test_free_player_preroll_then_checkout_then_screens(
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    fake_stripe_thread: FakeStripe,
    folders,
) -> None:
    page, base, fake = browser_page, live_server.url, fake_stripe_thread
    sign_up(page, live_server)
    page.goto(base + "/admin/billing")
    for name, folder in folders.items():
        add_library(page, base, name, "movies", folder)
    wait_for_titles(page, base, 2)
    _turn_billing_on(page, base, fake)
    resp = page.request.post(
        base + "/api/v1/users",
        headers={"X-CSRF-Token": csrf(page)},
        data={"username": "bob", "password": PASSWORD, "role": "user"},
    )
    assert resp.status == 201, resp.text()

    # The admin chooses the house promo as the pre-roll on the billing page.
    page.goto(base + "/admin/billing")
    promo = page.locator("select[name=media_file_id] option", has_text="House Promo")
    page.locator("select[name=media_file_id]").select_option(promo.get_attribute("value"))
    page.locator("form[action='/admin/billing/preroll'] button").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    titles = {
        t["title"]: t["id"] for t in page.request.get(base + "/api/v1/titles").json()["titles"]
    }
    bob = _sign_in(page.context.browser.new_context(viewport={"width": 1280, "height": 800}), base)
    film = bob.request.get(f"{base}/api/v1/catalog/titles/{titles['Big Film']}").json()["play"]
    film_id = film["media_file_id"]

    # Free: the pre-roll first, not skippable for 5 s, then the title at 480p at most.
    bob.goto(f"{base}/watch/{film_id}")
    skip = bob.locator("#preroll-skip")
    expect(skip).to_be_visible()
    expect(skip).to_be_disabled()
    expect(skip).to_contain_text("Skip in")
    shot(bob, "billing-preroll")
    expect(skip).to_be_enabled(timeout=15_000)
    skip.click()
    expect(bob.locator("#preroll")).to_have_count(0)
    bob.wait_for_function("window.msPlayer && window.msPlayer.playback", timeout=30_000)
    heights = bob.evaluate("window.msPlayer.playback.rungs.map((r) => r.height)")
    assert heights and max(h for h in heights if h) <= 480, heights
    bob.locator("#quality-btn").click()
    expect(bob.locator("#quality-menu")).to_contain_text("480p")
    expect(bob.locator("#quality-menu")).not_to_contain_text("720p")
    shot(bob, "billing-free-player")

    # Subscribing: the plan picker, Stripe Checkout (the fake's page), back with the new plan.
    bob.goto(base + "/billing")
    expect(bob.locator("#current-plan")).to_contain_text("Free")
    shot(bob, "billing-plans")
    bob.get_by_role("button", name="Choose Basic").click()
    bob.wait_for_url(re.compile(r".*/checkout/cs_test_.*"))
    expect(bob.locator("body")).to_contain_text("$9.99")
    bob.get_by_role("button", name="Pay").click()
    bob.wait_for_url(re.compile(r".*/billing\?checkout=done.*"))
    expect(bob.locator("#current-plan")).to_contain_text("Basic")
    expect(bob.locator("table.invoices")).to_contain_text("paid")
    shot(bob, "billing-subscribed")
    assert bob.request.get(base + "/api/v1/playback/preroll").json()["preroll"] is None

    # Basic allows 2 screens: Bob's browser played the film a moment ago, a second device
    # plays now, and the third is shown who is watching.
    device = _sign_in(page.context.browser.new_context(), base)
    answer = device.request.post(
        f"{base}/api/v1/playback/{film_id}", headers={"X-CSRF-Token": csrf(device)}, data={}
    )
    assert answer.status == 200, answer.text()
    third = _sign_in(
        page.context.browser.new_context(viewport={"width": 1280, "height": 800}), base
    )
    third.goto(f"{base}/watch/{film_id}")
    third.wait_for_url(re.compile(r".*/my-streams\?next=.*"))
    expect(third.locator("main")).to_contain_text("may stream on 2 devices at once")
    expect(third.locator("table.my-streams tbody tr")).to_have_count(2)
    expect(third.locator("#upgrade-hint")).to_be_visible()
    shot(third, "billing-third-screen")
    third.get_by_role("button", name="Stop").first.click()
    expect(third.get_by_role("status")).to_contain_text("Stopped")

    # The admin's figures: one Basic subscriber, its revenue, links into Stripe's dashboard.
    page.goto(base + "/admin/billing")
    expect(page.locator("#billing-figures")).to_contain_text("$9.99")
    expect(page.locator("table.subscribers")).to_contain_text("bob")
    shot(page, "billing-admin")
