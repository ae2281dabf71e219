"""The calls this server makes to Stripe, through the official client (its blocking calls run
in threads): customers, a Product and Price per plan, Checkout Sessions, the customer portal,
reading a subscription back."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe
from aiohttp import web

from mediaserver.billing import plans as plan_store
from mediaserver.billing.plans import Plan
from mediaserver.billing.store import get_account, set_customer
from mediaserver.errors import DomainError, Unavailable
from mediaserver.keys import config_key, db_key

T = TypeVar("T")


class StripeFailed(DomainError):
    """Stripe refused or could not be reached."""

    status = 502
    title = "Bad gateway"


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """A subscription as Stripe holds it now (read back, so events out of order end right)."""

    id: str
    customer: str
    status: str
    plan_key: str | None
    current_period_end: float | None
    trial_end: float | None
    cancel_at_period_end: bool
    canceled_at: float | None
    user_id: int | None


_clients_key: web.AppKey[dict[tuple[str, str], stripe.StripeClient]] = web.AppKey("stripe_clients")


def setup_clients(app: web.Application) -> None:
    app[_clients_key] = {}  # filled while serving: a dict, since the app is frozen by then


def client(app: web.Application) -> stripe.StripeClient:
    """The Stripe client for the current key and address (kept, so connections are reused;
    a key changed in Admin > Settings gets a new one)."""
    settings = app[config_key].billing
    key = settings.stripe_secret_key.get_secret_value()
    if not key:
        raise Unavailable("Payments are not set up yet: the Stripe secret key is missing.")
    cache = app[_clients_key]
    found = cache.get((key, settings.stripe_api_base))
    if found is None:
        base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
        found = stripe.StripeClient(key, base_addresses=base, max_network_retries=1)  # type: ignore[arg-type]
        cache.clear()
        cache[(key, settings.stripe_api_base)] = found
    return found


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One Stripe call in a thread; Stripe's refusals become a clear 502."""
    try:
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))
    except stripe.StripeError as exc:
        message = exc.user_message or str(exc) or type(exc).__name__
        raise StripeFailed(f"Stripe refused the request: {message}") from exc


async def ensure_customer(app: web.Application, user_id: int, username: str) -> str:
    """The account's Stripe customer, made the first time it is needed."""
    db = app[db_key]
    account = await get_account(db, user_id)
    if account.stripe_customer_id:
        return account.stripe_customer_id
    params = {"description": username, "metadata": {"user_id": str(user_id)}}
    customer = await call(client(app).v1.customers.create, params)
    await set_customer(db, user_id, customer.id)
    return customer.id


async def ensure_price(app: web.Application, plan: Plan) -> str:
    """The Stripe Price for the plan's current amount: made (with its Product) when the plan
    has none or its amount changed since, since Prices cannot change."""
    db = app[db_key]
    product_id, price_id, cents = await plan_store.stripe_ids(db, plan.key)
    if price_id and cents == plan.price_cents:
        return price_id
    api = client(app)
    if not product_id:
        product = await call(
            api.v1.products.create, {"name": plan.name, "metadata": {"plan": plan.key}}
        )
        product_id = product.id
    price = await call(
        api.v1.prices.create,
        {
            "product": product_id,
            "unit_amount": plan.price_cents,
            "currency": app[config_key].billing.currency,
            "recurring": {"interval": "month"},
            "metadata": {"plan": plan.key},
        },
    )
    await plan_store.set_stripe_price(db, plan.key, product_id, price.id, plan.price_cents)
    return price.id


async def checkout_url(
    app: web.Application, user_id: int, username: str, plan: Plan, base_url: str
) -> str:
    """A Stripe Checkout Session for a subscription to the plan; the page to send the user to."""
    customer = await ensure_customer(app, user_id, username)
    price = await ensure_price(app, plan)
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": str(user_id),
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": f"{base_url}/billing?checkout=done&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base_url}/billing?checkout=cancelled",
        "metadata": {"user_id": str(user_id), "plan": plan.key},
        "subscription_data": {"metadata": {"user_id": str(user_id), "plan": plan.key}},
    }
    if plan.trial_days:
        params["subscription_data"]["trial_period_days"] = plan.trial_days
    session = await call(client(app).v1.checkout.sessions.create, params)
    return str(session.url)


async def portal_url(app: web.Application, customer_id: str, base_url: str) -> str:
    """The Stripe customer portal (cards, plan changes, cancelling) for the account."""
    params = {"customer": customer_id, "return_url": f"{base_url}/billing"}
    session = await call(client(app).v1.billing_portal.sessions.create, params)
    return str(session.url)


def _stamp(value: Any) -> float | None:
    return float(value) if value else None


def _plan_of(sub: Any) -> str | None:
    items = sub.get("items") or {}
    for item in items.get("data") or []:
        price = item.get("price") or {}
        key = (price.get("metadata") or {}).get("plan")
        if key:
            return str(key)
    return (sub.get("metadata") or {}).get("plan")


def _period_end(sub: Any) -> float | None:
    # API versions from 2025 carry the period on the items; older ones on the subscription.
    if sub.get("current_period_end"):
        return _stamp(sub.get("current_period_end"))
    ends = [i.get("current_period_end") for i in (sub.get("items") or {}).get("data") or []]
    return _stamp(max((e for e in ends if e), default=None))


def subscription_state(sub: Any) -> SubscriptionState:
    """The fields this server keeps of a Stripe subscription object."""
    user = (sub.get("metadata") or {}).get("user_id")
    customer = sub.get("customer")
    return SubscriptionState(
        id=str(sub["id"]),
        customer=str(customer.get("id") if isinstance(customer, dict) else customer),
        status=str(sub.get("status") or "incomplete"),
        plan_key=_plan_of(sub),
        current_period_end=_period_end(sub),
        trial_end=_stamp(sub.get("trial_end")),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
        canceled_at=_stamp(sub.get("canceled_at")),
        user_id=int(user) if user and str(user).isdigit() else None,
    )


async def read_subscription(app: web.Application, subscription_id: str) -> SubscriptionState:
    """The subscription as Stripe has it now (whatever event told of it)."""
    sub = await call(client(app).v1.subscriptions.retrieve, subscription_id)
    return subscription_state(sub.to_dict())
