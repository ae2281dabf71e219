"""The customer the server makes through the official client, against localstripe (a
Stripe-compatible server in its own process): the request it sends is one Stripe accepts."""

from __future__ import annotations

import stripe
from pydantic import SecretStr

from mediaserver.billing.store import get_account
from mediaserver.billing.stripe_api import ensure_customer
from mediaserver.keys import db_key
from tests.helpers import setup_with_user


async def test_the_customer_is_made_once_on_localstripe(make_app, aiohttp_client, localstripe):
    app = make_app(
        billing={
            "enabled": True,
            "stripe_secret_key": SecretStr("sk_test_localstripe"),
            "stripe_api_base": localstripe,
        }
    )
    client = await aiohttp_client(app)
    _, _, user_id = await setup_with_user(client)
    first = await ensure_customer(app, user_id, "alice")
    assert first.startswith("cus_")
    assert await ensure_customer(app, user_id, "alice") == first  # made once
    assert (await get_account(app[db_key], user_id)).stripe_customer_id == first
    found = stripe.StripeClient(
        "sk_test_localstripe", base_addresses={"api": localstripe}
    ).v1.customers.retrieve(first)
    assert found.metadata["user_id"] == str(user_id) and found.description == "alice"
