"""What the billing page and GET /api/v1/billing show one account: its plan in force, the
plans to choose from, the next invoice (Stripe's preview of it), past invoices and any notice
(grace, downgrade, trial)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.billing.entitlements import Standing, standing
from mediaserver.billing.invoice_preview import NextInvoice, next_invoice
from mediaserver.billing.plans import Plan, list_plans
from mediaserver.db.billing_schema import billing_invoices
from mediaserver.keys import config_key, db_key


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: str
    status: str
    amount_cents: int
    currency: str
    hosted_url: str | None
    created: float


@dataclass(frozen=True, slots=True)
class Overview:
    enabled: bool
    standing: Standing
    plans: list[Plan]
    invoices: list[InvoiceRow]
    next_invoice: NextInvoice | None
    notice: str


def money(cents: int, currency: str = "usd") -> str:
    """An amount as people read it ($9.99; other currencies with their code)."""
    amount = f"{cents // 100}.{cents % 100:02d}"
    return f"${amount}" if currency.lower() == "usd" else f"{amount} {currency.upper()}"


async def invoices_of(app: web.Application, user_id: int, limit: int = 24) -> list[InvoiceRow]:
    query = (
        sa.select(billing_invoices)
        .where(billing_invoices.c.user_id == user_id)
        .order_by(billing_invoices.c.created.desc())
        .limit(limit)
    )
    async with app[db_key].read() as conn:
        rows = (await conn.execute(query)).all()
    return [
        InvoiceRow(r.invoice_id, r.status, r.amount_cents, r.currency, r.hosted_url, r.created)
        for r in rows
    ]


def _notice(state: Standing, plans: list[Plan]) -> str:
    account, names = state.account, {p.key: p.name for p in plans}
    if state.lapsed:
        return "A payment failed and was not made up in time, so this account is on Free now."
    if state.grace_ends is not None:
        day = time.strftime("%Y-%m-%d", time.gmtime(state.grace_ends))
        return f"A payment failed. Update your card by {day} to keep {state.plan.name}."
    if account.pending_plan_key and account.current_period_end:
        day = time.strftime("%Y-%m-%d", time.gmtime(account.current_period_end))
        pending = names.get(account.pending_plan_key, account.pending_plan_key)
        return f"{state.plan.name} until {day}; then {pending}."
    if account.status == "trialing" and account.trial_end:
        day = time.strftime("%Y-%m-%d", time.gmtime(account.trial_end))
        return f"Your free trial ends on {day}."
    return ""


async def overview(app: web.Application, user_id: int) -> Overview:
    settings = app[config_key].billing
    db = app[db_key]
    state = await standing(app, db, user_id)
    plans = await list_plans(db)
    return Overview(
        enabled=settings.enabled,
        standing=state,
        plans=plans,
        invoices=await invoices_of(app, user_id),
        next_invoice=await next_invoice(app, state.account) if settings.enabled else None,
        notice=_notice(state, plans) if state.covered else "",
    )


async def banner(app: web.Application, user_id: int) -> str:
    """The notice every page shows while a payment is overdue or was lost ("" otherwise)."""
    if not app[config_key].billing.enabled:
        return ""
    state = await standing(app, app[db_key], user_id)
    if not state.covered or (state.grace_ends is None and not state.lapsed):
        return ""
    return _notice(state, [state.plan])
