"""Subscribing through Checkout: the plan changes once Stripe's webhooks arrive."""

from __future__ import annotations

import aiohttp

from tests.billing.fake_stripe import FakeStripe
from tests.billing.helpers import billing, subscribe, user_client


async def test_checkout_subscribes_and_the_plan_changes(bclient, fake_stripe: FakeStripe):
    csrf, _ = await user_client(bclient)
    before = await billing(bclient)
    assert before["plan"]["key"] == "free" and before["covered"] is True
    after = await subscribe(bclient, fake_stripe, csrf, "premium")
    assert after["plan"]["key"] == "premium"
    assert after["status"] == "active"
    assert after["next_invoice_cents"] == 1499
    assert [i["status"] for i in after["invoices"]] == ["paid"]
    page = await (await bclient.get("/billing")).text()
    assert 'data-plan="premium"' in page and "$14.99" in page


async def test_the_next_invoice_is_stripes_preview_of_it(bclient, fake_stripe: FakeStripe):
    """The amount and date come from Stripe's invoice preview, so what Stripe takes off (a
    coupon here) shows; a subscription cancelled at its period's end has no next invoice."""
    csrf, _ = await user_client(bclient)
    fake_stripe.preview_discount = 500
    after = await subscribe(bclient, fake_stripe, csrf, "premium")
    assert after["next_invoice_cents"] == 999  # 14.99 less the 5.00 Stripe takes off
    sub_id = next(k for k, v in fake_stripe.objects.items() if v["object"] == "subscription")
    sub = fake_stripe.objects[sub_id]
    assert after["next_invoice_due"] == sub["current_period_end"] + 3600  # when it is charged
    assert ("POST", "invoices/create_preview") in fake_stripe.requests
    page = await (await bclient.get("/billing")).text()
    assert "$9.99" in page
    # Cancelled in the portal at the period's end: Stripe has nothing more to invoice.
    sub["cancel_at_period_end"] = True
    async with aiohttp.ClientSession() as http:
        event = fake_stripe.event("customer.subscription.updated", sub)
        assert await fake_stripe.deliver(http, event) == 200
    assert (await billing(bclient))["next_invoice_cents"] is None
