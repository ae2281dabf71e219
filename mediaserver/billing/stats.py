"""The admin's billing figures: subscribers by plan, monthly recurring revenue, churn, failed
payments, and the rows behind them (with their Stripe ids for the dashboard links)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.billing.plans import Plan, list_plans
from mediaserver.db.billing_schema import billing_accounts, billing_invoices
from mediaserver.db.engine import Database
from mediaserver.db.schema import users

WINDOW = 30 * 86_400.0
LIVE = ("active", "trialing", "past_due")


@dataclass(frozen=True, slots=True)
class PlanCount:
    plan: Plan
    subscribers: int


@dataclass(frozen=True, slots=True)
class Subscriber:
    user_id: int
    username: str
    plan_key: str
    status: str
    exempt: bool
    customer_id: str | None
    subscription_id: str | None
    current_period_end: float | None
    payment_failed_at: float | None


@dataclass(frozen=True, slots=True)
class FailedPayment:
    invoice_id: str
    username: str
    amount_cents: int
    currency: str
    created: float


@dataclass(frozen=True, slots=True)
class BillingStats:
    by_plan: list[PlanCount]
    mrr_cents: int
    churn_percent: float  # subscriptions ended in the last 30 days, of those live at its start
    failed_payments: int  # in the last 30 days
    subscribers: list[Subscriber]
    failures: list[FailedPayment]


async def billing_stats(db: Database, now: float | None = None) -> BillingStats:
    at = time.time() if now is None else now
    plans = await list_plans(db)
    by_key = {p.key: p for p in plans}
    live = billing_accounts.c.status.in_(LIVE)
    acc = billing_accounts
    async with db.read() as conn:
        counts = dict(
            (
                await conn.execute(
                    sa.select(acc.c.plan_key, sa.func.count()).where(live).group_by(acc.c.plan_key)
                )
            ).all()  # noqa: E501
        )
        churned = await conn.scalar(
            sa.select(sa.func.count()).where(acc.c.canceled_at >= at - WINDOW)
        )
        rows = (
            await conn.execute(
                sa.select(acc, users.c.username)
                .join(users, users.c.id == acc.c.user_id)
                .order_by(users.c.username_key)
                .limit(500)
            )
        ).all()
        inv = billing_invoices
        failed = (
            await conn.execute(
                sa.select(inv, users.c.username)
                .join(users, users.c.id == inv.c.user_id)
                .where(inv.c.status == "failed", inv.c.created >= at - WINDOW)
                .order_by(inv.c.created.desc())
            )
        ).all()
    live_total = sum(counts.values())
    mrr = sum(by_key[k].price_cents * n for k, n in counts.items() if k in by_key)
    base = live_total + int(churned or 0)
    return BillingStats(
        by_plan=[PlanCount(p, int(counts.get(p.key, 0))) for p in plans],
        mrr_cents=mrr,
        churn_percent=round(100.0 * int(churned or 0) / base, 1) if base else 0.0,
        failed_payments=len(failed),
        subscribers=[
            Subscriber(
                r.user_id,
                r.username,
                r.plan_key,
                r.status,
                bool(r.exempt),
                r.stripe_customer_id,
                r.stripe_subscription_id,
                r.current_period_end,
                r.payment_failed_at,
            )
            for r in rows
        ],
        failures=[
            FailedPayment(r.invoice_id, r.username, r.amount_cents, r.currency, r.created)
            for r in failed[:50]
        ],
    )
