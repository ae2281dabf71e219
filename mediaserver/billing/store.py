"""Accounts' billing state: the plan in force, the Stripe ids, the period end, a downgrade waiting
for it, a failed payment; and which plan applies right now (`plan_in_force`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.billing.plans import FREE, plans_in
from mediaserver.db.billing_schema import billing_accounts
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.schema import users
from mediaserver.db.upsert import dialect_insert

DAY = 86_400.0
PAID = frozenset({"active", "trialing"})


@dataclass(frozen=True, slots=True)
class BillingAccount:
    """One account's billing state (a row, or the defaults for an account never billed)."""

    user_id: int
    plan_key: str = FREE
    exempt: bool = False
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    status: str = "none"
    current_period_end: float | None = None
    trial_end: float | None = None
    pending_plan_key: str | None = None
    payment_failed_at: float | None = None
    canceled_at: float | None = None
    updated_at: float | None = None  # None: no row stored yet

    def grace_ends(self, grace_days: float) -> float | None:
        """When a failed payment takes the plan away (None: no payment failed)."""
        if self.payment_failed_at is None or self.status in PAID:
            return None
        return self.payment_failed_at + grace_days * DAY

    def plan_in_force(self, now: float, grace_days: float) -> str:
        """The plan that applies now: a downgrade once its period ended, Free once a lapsed
        payment's grace ran out or the subscription ended."""
        grace = self.grace_ends(grace_days)
        if grace is not None and now >= grace:
            return FREE
        if self.status in ("canceled", "incomplete_expired"):
            return FREE
        period_over = self.current_period_end is not None and now >= self.current_period_end
        if self.pending_plan_key and period_over:
            return self.pending_plan_key
        return self.plan_key


_FIELDS = tuple(f for f in BillingAccount.__dataclass_fields__ if f != "user_id")


def _account(row: sa.Row | None, user_id: int) -> BillingAccount:
    if row is None:
        return BillingAccount(user_id)
    return BillingAccount(user_id, **{f: getattr(row, f) for f in _FIELDS})


async def get_account(db: Database, user_id: int) -> BillingAccount:
    async with db.read() as conn:
        return await account_in(conn, user_id)


async def account_in(conn: AsyncConnection, user_id: int) -> BillingAccount:
    query = sa.select(billing_accounts).where(billing_accounts.c.user_id == user_id)
    return _account((await conn.execute(query)).first(), user_id)


async def billed_user(db: Database, user_id: int) -> tuple[bool, BillingAccount]:
    """Whether the account is an admin's, with its billing state, in one read."""
    query = (
        sa.select(users.c.role, billing_accounts)
        .select_from(users.outerjoin(billing_accounts, billing_accounts.c.user_id == users.c.id))
        .where(users.c.id == user_id)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return False, BillingAccount(user_id)
    has_row = row.user_id is not None
    return row.role == "admin", _account(row if has_row else None, user_id)


async def user_for_customer(conn: AsyncConnection, customer_id: str) -> int | None:
    query = sa.select(billing_accounts.c.user_id).where(
        billing_accounts.c.stripe_customer_id == customer_id
    )
    return await conn.scalar(query)


async def write_account(
    conn: AsyncConnection, user_id: int, changes: dict[str, Any], now: float | None = None
) -> BillingAccount:
    """Change an account's billing state (creating its row), raising its rights generation
    when the plan in force may have shrunk, so media URLs issued under the old plan stop."""
    at = time.time() if now is None else now
    before = await account_in(conn, user_id)
    if before.updated_at is not None and all(getattr(before, k) == v for k, v in changes.items()):
        return before  # nothing would change: no write (most redundant events end here)
    values = {**changes, "updated_at": at}
    stmt = dialect_insert(conn, billing_accounts).values(
        user_id=user_id,
        plan_key=changes.get("plan_key", FREE),
        **{k: v for k, v in values.items() if k != "plan_key"},
    )
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=[billing_accounts.c.user_id], set_=values)
    )
    after = await account_in(conn, user_id)
    if await _shrinks(conn, before, after):
        await bump(conn, "user", [user_id], at)
    return after


async def _shrinks(conn: AsyncConnection, before: BillingAccount, after: BillingAccount) -> bool:
    """Whether the account may do less now: exemption taken away, or a lower plan stored."""
    if before.exempt and not after.exempt:
        return True
    if before.plan_key == after.plan_key:
        return False
    plans = await plans_in(conn)
    old, new = plans.get(before.plan_key), plans.get(after.plan_key)
    return old is None or new is None or new.rank() < old.rank()


async def set_exempt(db: Database, user_id: int, exempt: bool) -> BillingAccount:
    async with db.write() as conn:
        return await write_account(conn, user_id, {"exempt": exempt})


async def set_customer(db: Database, user_id: int, customer_id: str) -> None:
    async with db.write() as conn:
        await write_account(conn, user_id, {"stripe_customer_id": customer_id})


async def due_changes(db: Database, now: float, grace_days: float) -> list[BillingAccount]:
    """Accounts whose stored plan is no longer the one in force (a downgrade's period ended, a
    lapsed payment's grace ran out)."""
    query = sa.select(billing_accounts).where(
        sa.or_(
            billing_accounts.c.pending_plan_key.is_not(None),
            billing_accounts.c.payment_failed_at.is_not(None),
            billing_accounts.c.status.in_(["canceled", "incomplete_expired"]),
        )
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    found = [_account(r, r.user_id) for r in rows]
    return [a for a in found if a.plan_in_force(now, grace_days) != a.plan_key]


async def apply_due(db: Database, now: float, grace_days: float) -> int:
    """Store the plan in force for every account whose plan changed by the clock (their old
    media URLs stop working); the number of accounts changed."""
    changed = 0
    for account in await due_changes(db, now, grace_days):
        plan = account.plan_in_force(now, grace_days)
        async with db.write() as conn:
            await write_account(conn, account.user_id, {"plan_key": plan, "pending_plan_key": None})
        changed += 1
    return changed
