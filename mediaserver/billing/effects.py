"""What each Stripe event does to an account, applied inside the transaction that also stores
the event's id (webhooks.py), so an event takes effect exactly once.

Subscriptions are applied as Stripe holds them now (read back before the transaction), never
as the event's own copy, so events that arrive out of order end in Stripe's state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.billing.plans import FREE, plans_in
from mediaserver.billing.store import account_in, user_for_customer, write_account
from mediaserver.billing.stripe_api import SubscriptionState
from mediaserver.db.billing_schema import billing_invoices
from mediaserver.db.schema import users
from mediaserver.db.upsert import dialect_insert

ENDED = frozenset({"canceled", "incomplete_expired", "unpaid"})
GRANTING = frozenset({"active", "trialing", "past_due"})


@dataclass(frozen=True, slots=True)
class Invoice:
    """The fields kept of a Stripe invoice."""

    id: str
    customer: str
    subscription: str | None
    status: str
    amount_cents: int
    currency: str
    hosted_url: str | None
    created: float


def invoice_of(obj: dict[str, Any]) -> Invoice:
    sub = obj.get("subscription")
    if not sub:  # API versions from 2025 name it under parent.subscription_details
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        sub = details.get("subscription")
    paid = obj.get("amount_paid") or 0
    return Invoice(
        id=str(obj["id"]),
        customer=str(obj.get("customer") or ""),
        subscription=str(sub) if sub else None,
        status=str(obj.get("status") or "open"),
        amount_cents=int(paid or obj.get("amount_due") or 0),
        currency=str(obj.get("currency") or "usd")[:3],
        hosted_url=obj.get("hosted_invoice_url"),
        created=float(obj.get("created") or time.time()),
    )


async def user_of(conn: AsyncConnection, customer: str, hinted: int | None) -> int | None:
    """The account a Stripe customer belongs to (its id in our metadata, else the stored link)."""
    found = await user_for_customer(conn, customer) if customer else None
    if found is not None or hinted is None:
        return found
    return await conn.scalar(sa.select(users.c.id).where(users.c.id == hinted))


async def apply_subscription(
    conn: AsyncConnection, user_id: int, state: SubscriptionState, now: float
) -> None:
    """Make the account's plan what the subscription says; a lower plan waits for the end of
    the period already paid, an ended subscription falls back to Free."""
    account = await account_in(conn, user_id)
    current_sub = account.stripe_subscription_id
    if current_sub and current_sub != state.id and state.status in ENDED:
        return  # an old subscription ending does not take away the one that replaced it
    base: dict[str, Any] = {
        "stripe_customer_id": state.customer,
        "stripe_subscription_id": state.id,
        "status": state.status,
        "trial_end": state.trial_end,
    }
    if state.status in ENDED or state.plan_key is None:
        granted = FREE if state.status in ENDED else account.plan_key
        ended = {"plan_key": granted, "pending_plan_key": None, "canceled_at": state.canceled_at}
        await write_account(conn, user_id, base | ended, now)
        return
    if state.status not in GRANTING:  # incomplete: the first payment has not gone through
        await write_account(conn, user_id, base, now)
        return
    plans = await plans_in(conn)
    new, old = plans.get(state.plan_key), plans.get(account.plan_key)
    paid_until = account.current_period_end
    waiting = (
        new is not None
        and old is not None
        and new.rank() < old.rank()
        and current_sub == state.id
        and paid_until is not None
        and paid_until > now
    )
    if waiting:  # a downgrade: the higher plan was paid for until the period ends
        await write_account(conn, user_id, base | {"pending_plan_key": state.plan_key}, now)
        return
    change = {
        "plan_key": state.plan_key,
        "pending_plan_key": None,
        "current_period_end": state.current_period_end,
        "canceled_at": None,
    }
    if state.status == "past_due" and account.payment_failed_at is None:
        change["payment_failed_at"] = now
    elif state.status != "past_due":
        change["payment_failed_at"] = None
    await write_account(conn, user_id, base | change, now)


async def record_invoice(conn: AsyncConnection, user_id: int, invoice: Invoice, now: float) -> None:
    """Keep the invoice for the billing page and the admin's failed payments."""
    values: dict[str, Any] = {
        # A paid invoice stays paid whatever older news of it arrives later.
        "status": sa.case((billing_invoices.c.status == "paid", "paid"), else_=invoice.status),
        "amount_cents": invoice.amount_cents,
        "currency": invoice.currency,
        "hosted_url": invoice.hosted_url,
        "updated_at": now,
    }
    stmt = dialect_insert(conn, billing_invoices).values(
        invoice_id=invoice.id,
        user_id=user_id,
        created=invoice.created,
        **(values | {"status": invoice.status}),
    )
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=[billing_invoices.c.invoice_id], set_=values)
    )


async def payment_failed(conn: AsyncConnection, user_id: int, invoice: Invoice, now: float) -> None:
    """A failed payment starts the grace period (once: a later failure does not extend it);
    news of a failure of an invoice since paid changes nothing."""
    query = sa.select(billing_invoices.c.status).where(billing_invoices.c.invoice_id == invoice.id)
    if await conn.scalar(query) == "paid":
        return
    await record_invoice(conn, user_id, replace(invoice, status="failed"), now)
    account = await account_in(conn, user_id)
    if account.payment_failed_at is None:
        await write_account(conn, user_id, {"payment_failed_at": invoice.created}, now)


async def invoice_paid(conn: AsyncConnection, user_id: int, invoice: Invoice, now: float) -> None:
    """A paid invoice ends any grace period."""
    await record_invoice(conn, user_id, replace(invoice, status="paid"), now)
    account = await account_in(conn, user_id)
    if account.payment_failed_at is not None and account.payment_failed_at <= invoice.created:
        await write_account(conn, user_id, {"payment_failed_at": None}, now)


async def failed_payments(conn: AsyncConnection, since: float) -> int:
    query = sa.select(sa.func.count()).where(
        billing_invoices.c.status == "failed",
        billing_invoices.c.created >= since,
    )
    return int(await conn.scalar(query) or 0)
