"""Billing: plans (each a set of entitlements the admin edits), Stripe Checkout subscriptions
and the customer portal, Stripe webhooks applied exactly once, the grace period after a failed
payment, the Free plan's pre-roll and the admin's billing figures. Off by default: then every
account has everything. Nothing calls into it: `setup(app)` registers its pages and API, its
webhook, the plan entitlements as a limit source of the accounts domain (quality, screens,
downloads, profiles), the pre-roll as a source of the streaming domain, the page banner and
the housekeeping chore that applies downgrades and lapsed payments when their time comes.
"""

import time
from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.accounts import add_limit_source
from mediaserver.billing.admin_routes import routes as admin_routes
from mediaserver.billing.banner import banner_context, banner_middleware
from mediaserver.billing.entitlements import plan_limit_source
from mediaserver.billing.invoice_preview import setup_previews
from mediaserver.billing.plans import seed_plans
from mediaserver.billing.preroll import preroll_source
from mediaserver.billing.routes import routes as billing_routes
from mediaserver.billing.store import apply_due
from mediaserver.billing.stripe_api import setup_clients
from mediaserver.http.templating import add_page_context
from mediaserver.jobs import add_housekeeping
from mediaserver.keys import config_key, db_key
from mediaserver.streaming import add_preroll_source

__all__ = ["setup"]


async def _plans_ctx(app: web.Application) -> AsyncIterator[None]:
    await seed_plans(app[db_key])
    yield


async def _apply_due(app: web.Application) -> int:
    """Housekeeping: store the plan in force where a period ended or a grace period ran out."""
    return await apply_due(app[db_key], time.time(), app[config_key].billing.grace_days)


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
    app.router.add_routes([*billing_routes, *admin_routes])
    setup_clients(app)
    setup_previews(app)
    add_limit_source(app, plan_limit_source(app))
    add_preroll_source(app, preroll_source)
    app.middlewares.append(banner_middleware)  # after the accounts' middlewares: who is calling
    add_page_context(app, banner_context)
    app.cleanup_ctx.append(_plans_ctx)
    add_housekeeping(app, "billing plan changes", _apply_due)
