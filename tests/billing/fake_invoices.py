"""The fake's Create Preview Invoice (POST /v1/invoices/create_preview): the next invoice of a
subscription, in the shape of Stripe's API from 2025-03-31.basil on."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.billing.fake_stripe import FakeStripe


def _error(status: int, message: str, code: str | None = None) -> web.Response:
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    return web.json_response({"error": error}, status=status)


def preview_invoice(fake: FakeStripe, body: dict[str, Any]) -> dict[str, Any] | web.Response:
    """Create Preview Invoice (API 2025-03-31.basil and later): the subscription's next
    invoice, not stored (a preview has an `upcoming_in_` id and cannot be retrieved).
    Its period is the one the renewal closes; the line is the next period's charge."""
    customer, sub = body.get("customer"), fake.objects.get(str(body.get("subscription")))
    if not customer and sub is None:
        return _error(400, "Missing required param: customer.")
    if sub is None or (customer and sub["customer"] != customer):
        missing = f"No such subscription: '{body.get('subscription')}'"
        return _error(404, missing, "resource_missing")
    if sub["status"] in ("canceled", "incomplete_expired") or sub["cancel_at_period_end"]:
        none = f"No upcoming invoices for customer: {sub['customer']}"
        return _error(400, none, "invoice_upcoming_none")
    item = sub["items"]["data"][0]
    price = item["price"]
    starts = sub["trial_end"] if sub["status"] == "trialing" and sub["trial_end"] else None
    renews = starts or item["current_period_end"]
    next_end = renews + (item["current_period_end"] - item["current_period_start"])
    amount = price["unit_amount"] * item.get("quantity", 1) - fake.preview_discount
    return {
        "id": f"upcoming_in_{secrets.token_hex(12)}",
        "object": "invoice",
        "customer": sub["customer"],
        "currency": price["currency"],
        "status": "draft",
        "billing_reason": "upcoming",
        "collection_method": "charge_automatically",
        "created": renews,
        "period_start": item["current_period_start"],
        "period_end": renews,
        "next_payment_attempt": renews + 3600,  # drafts are finalized about an hour later
        "subtotal": amount + fake.preview_discount,
        "total": amount,
        "amount_due": amount,
        "amount_paid": 0,
        "amount_remaining": amount,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]},
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": fake.new_id("il_tmp"),
                    "object": "line_item",
                    "amount": price["unit_amount"] * item.get("quantity", 1),
                    "currency": price["currency"],
                    "period": {"start": renews, "end": next_end},
                    "quantity": item.get("quantity", 1),
                    "pricing": {"type": "price_details", "price_details": {
                        "price": price["id"], "product": price.get("product")}},
                    "parent": {"type": "subscription_item_details",
                               "subscription_item_details": {
                                   "subscription": sub["id"],
                                   "subscription_item": item["id"], "proration": False}},
                }
            ],
            "has_more": False,
            "url": "/v1/invoices/upcoming/lines",
        },
        "livemode": False,
    }  # fmt: skip
