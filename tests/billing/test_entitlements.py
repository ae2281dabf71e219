"""Plans enforced where they cannot be bypassed: the quality cap in the media token (a rung URL
built by hand is refused), screens at playback, downloads and profiles refused with the way to
a higher plan, old URLs of a downgraded account refused; billing off or an exempt account:
everything."""

from __future__ import annotations

import aiohttp
import sqlalchemy as sa

from mediaserver.accounts.api_keys import create_api_key
from mediaserver.db.billing_schema import billing_accounts
from mediaserver.keys import db_key
from tests.billing.fake_stripe import FakeStripe
from tests.billing.helpers import billing, subscribe
from tests.helpers import csrf_from, pick_profile, sign_in
from tests.streaming.helpers import play
from tests.streaming.test_rights_revocation import SEG, until_refused
from tests.streaming.test_user_limits import _movie_in, household, status

RUNG_720 = "video/720p/seg_00001.m4s"


async def _alice_with_movie(client, place, media_dir):
    home = await household(client)
    _, file_id = await _movie_in(client, place, media_dir / "a", "Films")
    await home.as_alice()
    return home, file_id


async def test_free_plan_offers_480p_at_most_and_refuses_a_higher_rung_url(
    bclient, place, media_dir
):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    data = await play(bclient, file_id)
    assert [r["name"] for r in data["rungs"] if r["name"] != "auto"] == ["360p"]
    base = data["url"].removesuffix("master.m3u8")
    assert "720p" not in await (await bclient.get(data["url"])).text()
    assert await status(bclient, base + SEG) == 200
    assert await status(bclient, base + RUNG_720) == 403  # built by hand: refused


async def test_billing_off_everyone_has_everything(client, place, media_dir):
    home, file_id = await _alice_with_movie(client, place, media_dir)
    data = await play(client, file_id)
    assert {r["name"] for r in data["rungs"]} >= {"360p", "720p"}


async def test_an_exempt_account_has_everything(bclient, place, media_dir):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    csrf = await home.as_admin()
    resp = await bclient.put(
        f"/api/v1/admin/billing/users/{home.alice_id}/exempt",
        json={"exempt": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 200, await resp.text()
    await home.as_alice()
    data = await play(bclient, file_id)
    assert "720p" in {r["name"] for r in data["rungs"]}
    assert (await billing(bclient))["covered"] is False


async def test_a_paid_plan_lifts_the_cap_and_a_downgrade_stops_old_urls(
    bclient, fake_stripe: FakeStripe, place, media_dir
):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    csrf = await home.as_alice()
    await subscribe(bclient, fake_stripe, csrf, "basic")
    data = await play(bclient, file_id)
    old = data["url"].removesuffix("master.m3u8") + RUNG_720
    assert await status(bclient, old) == 200
    # The subscription ends (say, cancelled in the portal at the period's end).
    sub_id = (await _account(bclient, home.alice_id)).stripe_subscription_id
    sub = fake_stripe.objects[sub_id]
    sub.update(status="canceled", canceled_at=sub["created"])
    async with aiohttp.ClientSession() as http:
        event = fake_stripe.event("customer.subscription.deleted", sub)
        assert await fake_stripe.deliver(http, event) == 200
    assert (await billing(bclient))["plan"]["key"] == "free"
    assert await until_refused(bclient, old) == 403
    again = await play(bclient, file_id)
    assert "720p" not in {r["name"] for r in again["rungs"]}


async def _account(client, user_id: int):
    query = sa.select(billing_accounts).where(billing_accounts.c.user_id == user_id)
    async with client.server.app[db_key].read() as conn:
        return (await conn.execute(query)).first()


async def test_third_screen_on_a_two_screen_plan_is_refused_with_the_devices(
    bclient, fake_stripe: FakeStripe, place, media_dir
):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    csrf = await home.as_alice()
    await subscribe(bclient, fake_stripe, csrf, "basic")
    profile = await home.alice_profile()
    await play(bclient, file_id)  # the laptop
    for expect in (200, 403):  # the phone, then the tablet
        await sign_in(bclient, "alice", "alice-password-1")
        await pick_profile(bclient, profile)
        last = await play(bclient, file_id, expect=expect)
    assert "2 devices at once" in last["detail"]
    assert len(last["streams"]) == 2
    page = await (await bclient.get(last["manage"])).text()
    assert "Stop" in page and 'id="upgrade-hint"' in page


async def test_downloads_and_profiles_are_refused_with_an_upgrade_prompt(bclient, place, media_dir):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    resp = await bclient.get(f"/download/{file_id}", headers={"Accept": "application/json"})
    assert resp.status == 403
    assert "/billing" in (await resp.json())["detail"]
    csrf = await csrf_from(bclient, "/profiles")
    resp = await bclient.post(
        "/api/v1/profiles", json={"name": "Kid", "avatar": "blue"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 403, await resp.text()
    assert "1 profile" in (await resp.json())["detail"]


async def test_the_screen_count_holds_across_a_browser_and_an_api_key(bclient, place, media_dir):
    """Free allows one screen: with the browser playing, the account's API key is refused."""
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    made = await create_api_key(bclient.server.app[db_key], home.alice_id, "tv", home.alice_id)
    await play(bclient, file_id)  # the browser
    profile = await home.alice_profile()
    bclient.session.cookie_jar.clear()  # the TV: its API key only
    resp = await bclient.post(
        f"/api/v1/playback/{file_id}",
        json={},
        headers={"Authorization": f"Bearer {made.secret}", "X-Profile-Id": str(profile)},
    )
    assert resp.status == 403, await resp.text()
    refused = await resp.json()
    assert "1 device at once" in refused["detail"] and len(refused["streams"]) == 1
