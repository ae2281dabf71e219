"""The account's next invoice as Stripe will make it: Stripe's invoice preview (Create Preview
Invoice, POST /v1/invoices/create_preview) for the account's subscription, read through the
official client, so discounts, prorations, taxes and a plan change scheduled in the portal are
in the amount exactly as they will be charged.

A preview is kept a minute per state of the account's subscription, so the billing page does
not ask Stripe on every view; a webhook about the subscription drops it on the instance that
received it (another instance asks again within the minute). When
Stripe cannot be reached the page shows no next invoice rather than failing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import stripe
from aiohttp import web

from mediaserver.billing.store import BillingAccount
from mediaserver.billing.stripe_api import StripeFailed, call, client
from mediaserver.errors import Unavailable

log = logging.getLogger(__name__)
KEEP_SECONDS = 60.0
NONE_UPCOMING = "invoice_upcoming_none"  # Stripe's code when nothing more will be invoiced


@dataclass(frozen=True, slots=True)
class NextInvoice:
    amount_cents: int
    currency: str
    due: float


_Key = tuple[str, str, float | None]  # customer, subscription, updated_at
_previews_key: web.AppKey[dict[_Key, tuple[float, NextInvoice | None]]] = web.AppKey(
    "billing_invoice_previews"
)


def setup_previews(app: web.Application) -> None:
    app[_previews_key] = {}  # filled while serving: a dict, since the app is frozen by then


def forget_preview(app: web.Application, subscription_id: str) -> None:
    """Stripe told of a change to the subscription: its next invoice is asked for again."""
    cache = app[_previews_key]
    for key in [k for k in cache if k[1] == subscription_id]:
        del cache[key]


def next_invoice_of(preview: Any) -> NextInvoice | None:
    """The amount and date of a Stripe preview invoice (None when it charges nothing). The date
    is when Stripe will try to charge it, else the end of the period it closes."""
    due = preview.get("next_payment_attempt") or preview.get("period_end")
    amount = preview.get("amount_due")
    if amount is None or not due:
        return None
    return NextInvoice(int(amount), str(preview.get("currency") or "usd"), float(due))


def _key(account: BillingAccount) -> _Key | None:
    """The preview's cache key; None without a live Stripe subscription (nothing to preview)."""
    if not account.stripe_customer_id or not account.stripe_subscription_id:
        return None
    if account.status not in ("active", "trialing", "past_due"):
        return None
    # updated_at moves with every change a webhook writes (plan, status, period, cancelling).
    return (account.stripe_customer_id, account.stripe_subscription_id, account.updated_at)


async def next_invoice(app: web.Application, account: BillingAccount) -> NextInvoice | None:
    """Stripe's preview of the subscription's next invoice; None without a live subscription,
    when nothing more will be invoiced, or when Stripe cannot be asked now."""
    key = _key(account)
    if key is None:
        return None
    cache = app[_previews_key]
    now = time.monotonic()
    kept = cache.get(key)
    if kept is not None and now - kept[0] < KEEP_SECONDS:
        return kept[1]
    params = {"customer": key[0], "subscription": key[1]}
    try:
        preview = await call(client(app).v1.invoices.create_preview, params)
    except Unavailable:  # no Stripe key (set in Admin > Settings): nothing to ask
        return None
    except StripeFailed as exc:
        cause = exc.__cause__
        if not (isinstance(cause, stripe.InvalidRequestError) and cause.code == NONE_UPCOMING):
            log.warning("Stripe's invoice preview failed: %s", exc)
            return None  # not kept: the next view asks again
        found = None
    else:
        found = next_invoice_of(preview.to_dict())
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (now, found)
    return found
