"""Plans over time and by hand: a downgrade waits for the paid period's end, a failed payment
keeps the plan through the grace period and then falls back to Free (with a banner), nobody
sets their own plan through any field, the admin edits plans and sees the figures."""

from __future__ import annotations

import time

import aiohttp
import sqlalchemy as sa

from mediaserver.billing.store import apply_due
from mediaserver.db.audit_schema import audit_log
from mediaserver.db.billing_schema import billing_accounts
from mediaserver.keys import db_key
from tests.billing.fake_stripe import FakeStripe
from tests.billing.helpers import billing, price_for, subscribe, user_client
from tests.helpers import api, csrf_from, pick_profile, sign_in

PLAN_FIELDS = {
    "plan": "family",
    "plan_key": "family",
    "exempt": True,
    "role": "admin",
    "max_height": 0,
    "status": "active",
}


async def _set_account(client, user_id: int, **values) -> None:
    async with client.server.app[db_key].write() as conn:
        await conn.execute(
            billing_accounts.update().where(billing_accounts.c.user_id == user_id).values(**values)
        )


async def test_a_downgrade_waits_for_the_end_of_the_paid_period(bclient, fake_stripe: FakeStripe):
    csrf, user_id = await user_client(bclient)
    await subscribe(bclient, fake_stripe, csrf, "premium")
    sub = next(o for o in fake_stripe.objects.values() if o["object"] == "subscription")
    lower = fake_stripe.subscription(
        sub["customer"], await price_for(bclient, "basic"), sub_id=sub["id"], user_id=user_id
    )
    async with aiohttp.ClientSession() as http:
        event = fake_stripe.event("customer.subscription.updated", lower)
        assert await fake_stripe.deliver(http, event) == 200
    state = await billing(bclient)
    assert state["plan"]["key"] == "premium" and state["pending_plan"] == "basic"
    assert "then Basic" in state["notice"]
    await _set_account(bclient, user_id, current_period_end=time.time() - 1)
    assert (await billing(bclient))["plan"]["key"] == "basic"  # in force at once
    app = bclient.server.app
    assert await apply_due(app[db_key], time.time(), 7) == 1  # and stored by housekeeping
    assert (await billing(bclient))["pending_plan"] is None


async def test_a_lapsed_payment_falls_back_to_free_after_the_grace_period(
    bclient, fake_stripe: FakeStripe
):
    csrf, user_id = await user_client(bclient)
    await subscribe(bclient, fake_stripe, csrf, "basic")
    await _set_account(bclient, user_id, status="past_due", payment_failed_at=time.time() - 3600)
    state = await billing(bclient)
    assert state["plan"]["key"] == "basic" and state["grace_ends"]
    assert "Update your card" in await (await bclient.get("/")).text()
    await _set_account(bclient, user_id, payment_failed_at=time.time() - 8 * 86_400)
    state = await billing(bclient)
    assert state["plan"]["key"] == "free"
    assert "on Free now" in state["notice"]
    assert "on Free now" in await (await bclient.get("/")).text()


async def test_nobody_sets_their_own_plan_through_any_field(bclient):
    csrf, user_id = await user_client(bclient)
    profiles = (await (await bclient.get("/api/v1/profiles")).json())["profiles"]
    pid = profiles[0]["id"]
    attempts = [
        ("POST", "/api/v1/billing/checkout", {"plan": "free", **PLAN_FIELDS}),
        ("PATCH", f"/api/v1/profiles/{pid}", {"name": "Alice", **PLAN_FIELDS}),
        ("PUT", f"/api/v1/admin/billing/users/{user_id}/exempt", {"exempt": True}),
        ("PUT", "/api/v1/admin/billing/plans/free", {"max_height": 0}),
    ]
    for method, path, body in attempts:
        resp = await api(bclient, method, path, body, csrf=csrf)
        assert resp.status in (200, 400, 403, 404, 409), (path, resp.status)
    for path in (f"/account/profiles/{pid}/edit", "/account/password", "/billing/checkout"):
        await bclient.post(
            path, data={"csrf_token": csrf, **{k: str(v) for k, v in PLAN_FIELDS.items()}}
        )
    state = await billing(bclient)
    assert state["plan"]["key"] == "free" and state["covered"] is True
    assert state["plan"]["max_height"] == 480


async def test_the_admin_edits_plans_and_sees_the_figures(bclient, fake_stripe: FakeStripe):
    csrf, user_id = await user_client(bclient)
    await subscribe(bclient, fake_stripe, csrf, "basic")
    await sign_in(bclient, "admin", "admin-password-1")
    admin_csrf = await csrf_from(bclient, "/admin/billing")
    page = await (await bclient.get("/admin/billing")).text()
    assert "$9.99" in page and "alice" in page and "dashboard.stripe.com/customers/cus_" in page
    body = {
        "name": "Basic",
        "price_cents": 1099,
        "max_height": 1080,
        "max_streams": 3,
        "may_download": False,
        "max_downloads": 0,
        "max_profiles": 3,
        "preroll": False,
        "trial_days": 7,
    }
    resp = await api(bclient, "PUT", "/api/v1/admin/billing/plans/basic", body, csrf=admin_csrf)
    assert resp.status == 200, await resp.text()
    bad = await api(
        bclient,
        "PUT",
        "/api/v1/admin/billing/plans/free",
        body | {"price_cents": 5},
        csrf=admin_csrf,
    )
    assert bad.status == 400
    page = await (await bclient.get("/admin/billing")).text()
    assert "$10.99" in page  # the MRR follows the new price
    async with bclient.server.app[db_key].read() as conn:
        actions = (await conn.execute(sa.select(audit_log.c.action))).scalars().all()
    assert "billing.plan" in actions
    # Prices cannot change in Stripe: the new amount gets a new Price, made once.
    new = await price_for(bclient, "basic")
    assert fake_stripe.objects[new]["unit_amount"] == 1099
    assert new == await price_for(bclient, "basic")


async def test_a_kids_profile_cannot_spend_the_accounts_money(bclient):
    csrf, user_id = await user_client(bclient)
    await sign_in(bclient, "admin", "admin-password-1")
    admin_csrf = await csrf_from(bclient, "/admin/billing")
    path = f"/api/v1/admin/billing/users/{user_id}/exempt"
    resp = await api(bclient, "PUT", path, {"exempt": True}, csrf=admin_csrf)
    assert resp.status == 200  # exempt: no plan limit on profiles
    await sign_in(bclient, "alice", "alice-password-1")
    csrf = await csrf_from(bclient, "/profiles")
    body = {"name": "Kiddo", "avatar": "teal", "is_kids": True}
    resp = await api(bclient, "POST", "/api/v1/profiles", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    await pick_profile(bclient, (await resp.json())["id"])
    for path, payload in (
        ("/api/v1/billing/checkout", {"plan": "basic"}),
        ("/api/v1/billing/portal", None),
    ):
        resp = await api(bclient, "POST", path, payload, csrf=await csrf_from(bclient, "/billing"))
        assert resp.status == 403, await resp.text()
        assert "grown-up" in (await resp.json())["detail"]


async def test_the_admin_pages_forms_save_a_plan_with_a_trial_and_exempt_an_account(
    bclient, fake_stripe: FakeStripe
):
    csrf, user_id = await user_client(bclient)
    await sign_in(bclient, "admin", "admin-password-1")
    admin_csrf = await csrf_from(bclient, "/admin/billing")
    form = {
        "csrf_token": admin_csrf,
        "name": "Premium",
        "price_cents": "1499",
        "max_height": "0",
        "max_streams": "4",
        "max_profiles": "4",
        "may_download": "on",
        "max_downloads": "25",
        "trial_days": "14",
        "plan": "family",  # not a field of the form: ignored
    }
    resp = await bclient.post("/admin/billing/plans/premium", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    resp = await bclient.post("/admin/billing/sync", data={"csrf_token": admin_csrf})
    assert resp.status == 200 and "checked for 3 plans" in await resp.text()
    assert sum(o["object"] == "price" for o in fake_stripe.objects.values()) == 3
    await sign_in(bclient, "alice", "alice-password-1")
    state = await subscribe(bclient, fake_stripe, await csrf_from(bclient, "/billing"), "premium")
    assert state["plan"]["key"] == "premium" and state["status"] == "trialing"
    assert "free trial ends" in state["notice"]
    await sign_in(bclient, "admin", "admin-password-1")
    admin_csrf = await csrf_from(bclient, "/admin/billing")
    resp = await bclient.post(
        "/admin/billing/exempt",
        data={"csrf_token": admin_csrf, "username": "alice", "exempt": "on"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await bclient.get("/admin/billing")).text()
    assert "exempt" in page and "trialing" in page
