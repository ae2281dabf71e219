"""Subscribing through Checkout: the plan changes once Stripe's webhooks arrive."""

from __future__ import annotations

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
