"""What the admin's billing handlers call: saving a plan from its fields (audited), making
Stripe Prices for the plans, the Stripe dashboard's address, exempting an account."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from mediaserver.billing.api_models import PLAN_KEY, PlanBody
from mediaserver.billing.plans import Plan, get_plan, list_plans, save_plan
from mediaserver.billing.store import BillingAccount, set_exempt
from mediaserver.billing.stripe_api import ensure_price
from mediaserver.db.audit import audit_request
from mediaserver.db.schema import users
from mediaserver.errors import NotFound
from mediaserver.http.api import parse_model
from mediaserver.keys import config_key, db_key


async def save_plan_input(request: web.Request, key: str, data: dict[str, Any]) -> Plan:
    """Validate and save a plan's fields; recorded in the audit log."""
    if not re.fullmatch(PLAN_KEY[1:-1], key):
        raise NotFound("No such plan.")
    db = request.app[db_key]
    before = await get_plan(db, key)
    body = parse_model(PlanBody, data)
    plan = await save_plan(db, body.plan(key, before.position))
    detail = {"old": asdict(before), "new": asdict(plan)}
    for side in detail.values():
        side.pop("stripe_price_id", None)
    await audit_request(request, "billing.plan", key, detail)
    return plan


def stripe_links(app: web.Application) -> str:
    """The Stripe dashboard the admin's links point into."""
    return app[config_key].billing.stripe_dashboard_url.rstrip("/")


async def sync_prices(app: web.Application) -> int:
    """A Stripe Price for every paid plan's current amount; the number of paid plans."""
    paid = [p for p in await list_plans(app[db_key]) if not p.free]
    for plan in paid:
        await ensure_price(app, plan)
    return len(paid)


async def exempt_user(app: web.Application, user_id: int, exempt: bool) -> BillingAccount:
    db = app[db_key]
    async with db.read() as conn:
        if await conn.scalar(sa.select(users.c.id).where(users.c.id == user_id)) is None:
            raise NotFound("No such user.")
    return await set_exempt(db, user_id, exempt)
