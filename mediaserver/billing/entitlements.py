"""What an account's plan lets it do right now, as the accounts domain's limits and for the
pages: billing off, admins and exempt accounts have everything."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import NO_LIMITS, EffectiveLimits, LimitSource
from mediaserver.billing.plans import DEFAULT_PLANS, FREE, Plan, get_plan
from mediaserver.billing.store import BillingAccount, billed_user
from mediaserver.db.engine import Database
from mediaserver.errors import NotFound
from mediaserver.keys import config_key

_FALLBACK_FREE = DEFAULT_PLANS[0]


@dataclass(frozen=True, slots=True)
class Standing:
    """An account's plan as it applies now, and why."""

    account: BillingAccount
    plan: Plan
    covered: bool  # False: billing is off, or an admin or exempt account (everything allowed)
    grace_ends: float | None  # a failed payment: when the plan falls back to Free
    lapsed: bool  # the plan fell back to Free because a payment failed

    @property
    def limits(self) -> EffectiveLimits:
        return self.plan.limits() if self.covered else NO_LIMITS

    @property
    def preroll(self) -> bool:
        return self.covered and self.plan.preroll


async def _plan_or_free(db: Database, key: str) -> Plan:
    try:
        return await get_plan(db, key)
    except NotFound:  # a plan key the admin no longer has: the safe fallback
        try:
            return await get_plan(db, FREE)
        except NotFound:
            return _FALLBACK_FREE


async def standing(app: web.Application, db: Database, user_id: int) -> Standing:
    """The account's plan in force now, read from its billing state and the clock."""
    settings = app[config_key].billing
    is_admin, account = await billed_user(db, user_id)
    now = time.time()
    key = account.plan_in_force(now, settings.grace_days)
    plan = await _plan_or_free(db, key)
    grace = account.grace_ends(settings.grace_days)
    covered = settings.enabled and not is_admin and not account.exempt
    lapsed = grace is not None and now >= grace
    return Standing(account, plan, covered, grace if not lapsed else None, lapsed)


def plan_limit_source(app: web.Application) -> LimitSource:
    """The limit source the accounts domain narrows every account's limits with."""

    async def source(db: Database, user_id: int) -> EffectiveLimits:
        if not app[config_key].billing.enabled:
            return NO_LIMITS
        return (await standing(app, db, user_id)).limits

    return source
