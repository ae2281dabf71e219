"""Stripe webhooks: verified by signature over the raw body, applied exactly once.

Order of work for one delivery: the signature and its timestamp are checked on the bytes as
received (a re-serialised body, another secret or a stale timestamp is a 400 and nothing
changes); an event id already stored answers 200 at once; what Stripe holds now is read back
(the subscription) before any transaction opens; then one transaction stores the event id and
its effect together. A failure anywhere answers non-2xx with nothing kept, so Stripe's retry
applies it once; two deliveries racing each other meet at the event id's primary key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import stripe
from aiohttp import web
from sqlalchemy.exc import IntegrityError

from mediaserver.billing import effects
from mediaserver.billing.invoice_preview import forget_preview
from mediaserver.billing.stripe_api import SubscriptionState, read_subscription
from mediaserver.db.billing_schema import billing_events
from mediaserver.errors import BadRequest, Unavailable
from mediaserver.keys import config_key, db_key

log = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.trial_will_end",
    }
)
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})
HANDLED = SUBSCRIPTION_EVENTS | INVOICE_EVENTS | {"checkout.session.completed"}


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """What one delivery did."""

    event_id: str
    type: str
    duplicate: bool
    applied: bool
    user_id: int | None


def verify(app: web.Application, payload: bytes, header: str | None) -> dict[str, Any]:
    """The event, once its signature over these exact bytes and its timestamp check out."""
    settings = app[config_key].billing
    secret = settings.stripe_webhook_secret.get_secret_value()
    if not secret:
        raise Unavailable("Stripe webhooks are not set up: the webhook signing secret is missing.")
    if not header:
        raise BadRequest("The Stripe-Signature header is missing.")
    try:
        event = stripe.Webhook.construct_event(
            payload, header, secret, tolerance=settings.webhook_tolerance_seconds
        )
    except stripe.SignatureVerificationError as exc:
        raise BadRequest(f"The webhook signature is not valid: {exc.user_message or exc}") from None
    except ValueError:
        raise BadRequest("The webhook body is not a Stripe event.") from None
    body = event.to_dict()
    if not isinstance(body.get("id"), str) or not isinstance(body.get("type"), str):
        raise BadRequest("The webhook body is not a Stripe event.")
    return body


async def _seen(app: web.Application, event_id: str) -> bool:
    query = sa.select(billing_events.c.event_id).where(billing_events.c.event_id == event_id)
    async with app[db_key].read() as conn:
        return await conn.scalar(query) is not None


def _subscription_id(kind: str, obj: dict[str, Any]) -> str | None:
    if kind in SUBSCRIPTION_EVENTS:
        return str(obj["id"])
    if kind == "checkout.session.completed":
        sub = obj.get("subscription")
        return str(sub) if sub else None
    return effects.invoice_of(obj).subscription if kind in INVOICE_EVENTS else None


def _hinted_user(obj: dict[str, Any]) -> int | None:
    for value in (obj.get("client_reference_id"), (obj.get("metadata") or {}).get("user_id")):
        if value and str(value).isdigit():
            return int(value)
    return None


async def handle(app: web.Application, event: dict[str, Any]) -> WebhookResult:
    """Apply one verified event exactly once."""
    event_id, kind = event["id"], event["type"]
    if await _seen(app, event_id):
        return WebhookResult(event_id, kind, True, False, None)
    obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    sub_id = _subscription_id(kind, obj) if kind in HANDLED else None
    state = await read_subscription(app, sub_id) if sub_id else None
    now = time.time()
    try:
        async with app[db_key].write() as conn:
            user_id = await _apply(conn, kind, obj, state, now)
            # The id goes in with the effect, in one commit: a racing delivery of the same
            # event fails here on the primary key and its effect is rolled back with it.
            await conn.execute(
                billing_events.insert().values(
                    event_id=event_id,
                    type=kind[:100],
                    user_id=user_id,
                    created=float(event.get("created") or now),
                    processed_at=now,
                )
            )
    except IntegrityError:  # the same event applied meanwhile by a racing delivery
        if await _seen(app, event_id):
            return WebhookResult(event_id, kind, True, False, None)
        raise
    if sub_id:
        forget_preview(app, sub_id)
    return WebhookResult(event_id, kind, False, user_id is not None, user_id)


async def _apply(
    conn: Any, kind: str, obj: dict[str, Any], state: SubscriptionState | None, now: float
) -> int | None:
    if kind not in HANDLED:
        return None  # stored, so its redelivery is answered at once; nothing to do
    customer = state.customer if state is not None else str(obj.get("customer") or "")
    hint = _hinted_user(obj) or (state.user_id if state is not None else None)
    user_id = await effects.user_of(conn, customer, hint)
    if user_id is None:
        log.warning("Stripe event %s for an unknown customer %s: ignored", kind, customer)
        return None
    if state is not None:
        await effects.apply_subscription(conn, user_id, state, now)
    if kind == "invoice.paid":
        await effects.invoice_paid(conn, user_id, effects.invoice_of(obj), now)
    elif kind == "invoice.payment_failed":
        await effects.payment_failed(conn, user_id, effects.invoice_of(obj), now)
    return user_id
