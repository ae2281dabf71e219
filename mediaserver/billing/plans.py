"""Plans: what the admin sells, each a set of entitlements, and how they read as account limits.

The four plans of a fresh install are written once at start (`seed_plans`); from then on the
admin edits them (`save_plan`). Zero in a limit means "no limit", as in the account limits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import EffectiveLimits
from mediaserver.db.billing_schema import billing_plans
from mediaserver.db.engine import Database
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import BadRequest, NotFound

FREE = "free"
UPGRADE_HINT = "Choose a plan that includes it on the Plans page (/billing)."


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan and its entitlements (0: no limit)."""

    key: str
    name: str
    price_cents: int
    max_height: int
    max_streams: int
    may_download: bool
    max_downloads: int
    max_profiles: int
    preroll: bool
    trial_days: int
    position: int = 0
    stripe_price_id: str | None = None

    @property
    def free(self) -> bool:
        return self.price_cents == 0

    @property
    def quality(self) -> str:
        """The highest quality as people say it."""
        if not self.max_height:
            return "4K"
        return f"{self.max_height}p"

    def limits(self) -> EffectiveLimits:
        """The plan as account limits, narrowed into the admin's by the accounts domain."""
        return EffectiveLimits(
            max_height=self.max_height,
            max_streams=self.max_streams,
            may_download=self.may_download,
            max_downloads=self.max_downloads if self.may_download else 0,
            max_profiles=self.max_profiles,
            upgrade_hint=UPGRADE_HINT,
        )

    def rank(self) -> tuple[int, int]:
        """Order for "higher" and "lower" plans: price, then position."""
        return (self.price_cents, self.position)


DEFAULT_PLANS = (
    Plan(FREE, "Free", 0, 480, 1, False, 0, 1, True, 0, 0),
    Plan("basic", "Basic", 999, 720, 2, False, 0, 2, False, 0, 1),
    Plan("premium", "Premium", 1499, 0, 4, True, 25, 4, False, 0, 2),
    Plan("family", "Family", 1999, 0, 6, True, 50, 6, False, 0, 3),
)


def _plan(row: sa.Row) -> Plan:
    return Plan(
        row.key,
        row.name,
        row.price_cents,
        row.max_height,
        row.max_streams,
        bool(row.may_download),
        row.max_downloads,
        row.max_profiles,
        bool(row.preroll),
        row.trial_days,
        row.position,
        row.stripe_price_id,
    )


def _values(plan: Plan, now: float) -> dict[str, object]:
    return {
        "name": plan.name,
        "price_cents": plan.price_cents,
        "max_height": plan.max_height,
        "max_streams": plan.max_streams,
        "may_download": plan.may_download,
        "max_downloads": plan.max_downloads,
        "max_profiles": plan.max_profiles,
        "preroll": plan.preroll,
        "trial_days": plan.trial_days,
        "position": plan.position,
        "updated_at": now,
    }


async def seed_plans(db: Database) -> None:
    """Write the default plans unless plans exist (several instances may start at once)."""
    now = time.time()
    async with db.write() as conn:
        if await conn.scalar(sa.select(sa.func.count()).select_from(billing_plans)):
            return
        for plan in DEFAULT_PLANS:
            stmt = dialect_insert(conn, billing_plans).values(key=plan.key, **_values(plan, now))
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=[billing_plans.c.key]))


async def list_plans(db: Database) -> list[Plan]:
    """Every plan, cheapest first."""
    query = sa.select(billing_plans).order_by(billing_plans.c.price_cents, billing_plans.c.position)
    async with db.read() as conn:
        return [_plan(r) for r in (await conn.execute(query)).all()]


async def plans_in(conn: AsyncConnection) -> dict[str, Plan]:
    """Every plan by key, read on an open connection."""
    return {r.key: _plan(r) for r in (await conn.execute(sa.select(billing_plans))).all()}


async def get_plan(db: Database, key: str) -> Plan:
    async with db.read() as conn:
        row = (
            await conn.execute(sa.select(billing_plans).where(billing_plans.c.key == key))
        ).first()
    if row is None:
        raise NotFound(f"No such plan: {key}.")
    return _plan(row)


async def save_plan(db: Database, plan: Plan) -> Plan:
    """Change a plan's name, price or entitlements (the Free plan stays free: it is where
    lapsed accounts fall back to)."""
    if plan.key == FREE and plan.price_cents:
        raise BadRequest("The Free plan cannot have a price.", field="price_cents")
    if plan.key != FREE and not plan.price_cents:
        raise BadRequest("Only the Free plan may cost nothing.", field="price_cents")
    async with db.write() as conn:
        result = await conn.execute(
            billing_plans.update()
            .where(billing_plans.c.key == plan.key)
            .values(**_values(plan, time.time()))
        )
        if not result.rowcount:
            raise NotFound(f"No such plan: {plan.key}.")
    return replace(plan)


async def set_stripe_price(
    db: Database, key: str, product_id: str, price_id: str, cents: int
) -> None:
    """Remember the Stripe Product and the Price made for the plan's current amount."""
    async with db.write() as conn:
        await conn.execute(
            billing_plans.update()
            .where(billing_plans.c.key == key)
            .values(
                stripe_product_id=product_id, stripe_price_id=price_id, stripe_price_cents=cents
            )
        )


async def stripe_ids(db: Database, key: str) -> tuple[str | None, str | None, int | None]:
    """The plan's Stripe Product, Price and the amount that Price was made for."""
    cols = (
        billing_plans.c.stripe_product_id,
        billing_plans.c.stripe_price_id,
        billing_plans.c.stripe_price_cents,
    )
    async with db.read() as conn:
        row = (await conn.execute(sa.select(*cols).where(billing_plans.c.key == key))).first()
    if row is None:
        raise NotFound(f"No such plan: {key}.")
    return row[0], row[1], row[2]


async def plan_for_price(conn: AsyncConnection, price_id: str) -> str | None:
    """The plan a Stripe Price was made for (None: a Price this server did not make)."""
    query = sa.select(billing_plans.c.key).where(billing_plans.c.stripe_price_id == price_id)
    return await conn.scalar(query)
