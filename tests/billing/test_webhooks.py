"""Stripe webhooks: only what Stripe signed over these exact bytes, recently, is applied; each
event once; whatever the order; a failure half way keeps nothing and the retry applies it once."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest
import sqlalchemy as sa
import stripe

from mediaserver.billing import effects
from mediaserver.db.billing_schema import billing_events, billing_invoices
from mediaserver.keys import db_key
from tests.billing.fake_stripe import FakeStripe
from tests.billing.helpers import billing, price_for, subscribe, user_client


async def _count(client, table) -> int:
    async with client.server.app[db_key].read() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)))


async def _post(client, payload: bytes, header: str | None) -> aiohttp.ClientResponse:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return await client.post("/webhooks/stripe", data=payload, headers=headers)


@pytest.fixture
async def subscribed(bclient, fake_stripe: FakeStripe):
    """Alice on Basic through Checkout; her subscription as the fake holds it."""
    csrf, user_id = await user_client(bclient)
    await subscribe(bclient, fake_stripe, csrf, "basic")
    sub = next(o for o in fake_stripe.objects.values() if o["object"] == "subscription")
    return sub


def _forged(fake: FakeStripe, sub: dict, **kw) -> tuple[bytes, str]:
    """A subscription deletion, signed as `kw` says."""
    sub = dict(sub, status="canceled")
    fake.objects[sub["id"]] = sub  # even were it applied, Stripe's state would say "canceled"
    return fake.signed(fake.event("customer.subscription.deleted", sub), **kw)


async def test_unsigned_wrongly_signed_reserialised_and_stale_are_400_and_change_nothing(
    bclient, fake_stripe: FakeStripe, subscribed
):
    events = await _count(bclient, billing_events)
    payload, header = _forged(fake_stripe, subscribed)
    other = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), "whsec_someone_else", int(time.time())
    )
    compact = json.dumps(json.loads(payload), separators=(",", ":")).encode()
    stale_payload, stale = _forged(fake_stripe, subscribed, timestamp=int(time.time()) - 301)
    for body, sig in (
        (payload, None),
        (payload, "t=1,v1=deadbeef"),
        (payload, other),
        (compact, header),
        (stale_payload, stale),
        (b"not json", header),
    ):
        resp = await _post(bclient, body, sig)
        assert resp.status == 400, await resp.text()
        assert (await resp.json())["detail"]
    assert await _count(bclient, billing_events) == events
    assert (await billing(bclient))["plan"]["key"] == "basic"
    resp = await _post(bclient, payload, header)  # the same event, properly signed: applied
    assert resp.status == 200
    assert (await billing(bclient))["plan"]["key"] == "free"


async def test_a_redelivered_event_changes_nothing(bclient, fake_stripe: FakeStripe, subscribed):
    invoice = fake_stripe.invoice(subscribed, paid=True)
    event = fake_stripe.event("invoice.paid", invoice)
    before_events = await _count(bclient, billing_events)
    before_invoices = await _count(bclient, billing_invoices)
    answers = []
    for _ in range(3):
        payload, header = fake_stripe.signed(event)
        resp = await _post(bclient, payload, header)
        assert resp.status == 200
        answers.append((await resp.json())["duplicate"])
    assert answers == [False, True, True]
    assert await _count(bclient, billing_events) == before_events + 1
    assert await _count(bclient, billing_invoices) == before_invoices + 1


async def test_events_out_of_order_end_in_stripes_state(
    bclient, fake_stripe: FakeStripe, subscribed
):
    """An upgrade to Premium, told before the (older) creation of the Basic subscription: the
    server reads the subscription back, so the older event cannot undo the newer state."""
    premium = await price_for(bclient, "premium")
    old_snapshot = json.loads(json.dumps(subscribed))
    upgraded = fake_stripe.subscription(
        subscribed["customer"],
        premium,
        sub_id=subscribed["id"],
        user_id=int(subscribed["metadata"]["user_id"]),
    )
    async with aiohttp.ClientSession() as http:
        newer = fake_stripe.event("customer.subscription.updated", upgraded)
        older = fake_stripe.event("customer.subscription.created", old_snapshot)
        for event in (newer, older):
            assert await fake_stripe.deliver(http, event) == 200
    assert (await billing(bclient))["plan"]["key"] == "premium"


async def test_a_handler_failing_half_way_keeps_nothing_and_the_retry_applies_once(
    bclient, fake_stripe: FakeStripe, subscribed, monkeypatch
):
    invoice = fake_stripe.invoice(subscribed, paid=False)
    subscribed["status"] = "past_due"  # as Stripe holds it after the failed renewal
    event = fake_stripe.event("invoice.payment_failed", invoice)
    real = effects.record_invoice
    calls = {"n": 0}

    async def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # after the subscription was written in the same transaction
            raise RuntimeError("disk went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(effects, "record_invoice", fails_once)
    before = await _count(bclient, billing_events)
    payload, header = fake_stripe.signed(event)
    resp = await _post(bclient, payload, header)
    assert resp.status >= 500
    assert await _count(bclient, billing_events) == before
    assert (await billing(bclient))["grace_ends"] is None
    fake_stripe.fail_next_retrieve = 2  # Stripe failing (the client retries once): non-2xx
    resp = await _post(bclient, *fake_stripe.signed(event))
    assert resp.status == 502
    assert await _count(bclient, billing_events) == before
    for expected in (False, True):  # Stripe's retry, then a redelivery of it
        resp = await _post(bclient, *fake_stripe.signed(event))
        assert resp.status == 200
        assert (await resp.json())["duplicate"] is expected
    state = await billing(bclient)
    assert state["grace_ends"] is not None and "payment failed" in state["notice"].lower()
    page = await (await bclient.get("/")).text()
    assert "billing-banner" in page
    assert await _count(bclient, billing_events) == before + 1
