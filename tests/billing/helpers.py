"""Steps the billing tests share: a signed-in user subscribing through Checkout."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestClient

from mediaserver.billing.plans import get_plan
from mediaserver.billing.stripe_api import ensure_price
from mediaserver.keys import db_key
from tests.billing.fake_stripe import FakeStripe
from tests.helpers import api, csrf_from, setup_with_user


async def user_client(client: TestClient) -> tuple[str, int]:
    """Admin set up; alice signed in. Returns (alice's CSRF token, alice's id)."""
    _, _, user_id = await setup_with_user(client)
    return await csrf_from(client, "/billing"), user_id


async def subscribe(client: TestClient, fake: FakeStripe, csrf: str, plan: str) -> dict:
    """Checkout for the plan and pay on the fake's page (which sends the webhooks)."""
    resp = await api(client, "POST", "/api/v1/billing/checkout", {"plan": plan}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    url = (await resp.json())["url"]
    assert url.startswith(fake.base + "/checkout/")
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + "/pay", allow_redirects=False) as paid,
    ):
        assert paid.status == 303, await paid.text()
        assert "/billing?checkout=done" in paid.headers["Location"]
    return await billing(client)


async def billing(client: TestClient) -> dict:
    resp = await client.get("/api/v1/billing")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def price_for(client: TestClient, plan: str) -> str:
    """The Stripe Price id of the plan, made the way the server makes it."""
    app = client.server.app
    return await ensure_price(app, await get_plan(app[db_key], plan))
