"""Starting a subscription (Stripe Checkout) and managing one (the customer portal), with the
checks that say clearly why not: billing off, an account that is not billed, a free plan, an
account already subscribed (plan changes go through the portal)."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from mediaserver.billing.entitlements import standing
from mediaserver.billing.plans import get_plan
from mediaserver.billing.store import PAID
from mediaserver.billing.stripe_api import checkout_url, portal_url
from mediaserver.errors import BadRequest, Conflict
from mediaserver.http.clientinfo import is_https
from mediaserver.http.security_headers import CONTENT_SECURITY_POLICY
from mediaserver.keys import config_key, db_key


def own_origin(request: web.Request) -> str:
    """Where Stripe sends the user back: the public URL when configured, else this host."""
    public = request.app[config_key].server.public_url.rstrip("/")
    return public or f"{'https' if is_https(request) else 'http'}://{request.host}"


STRIPE_PAGES = ("https://checkout.stripe.com", "https://billing.stripe.com")


def stripe_forms_policy(request: web.Request) -> dict[str, str]:
    """The billing page's Content-Security-Policy: its forms may lead on to Stripe's pages
    (Checkout, the portal), which the site-wide `form-action 'self'` would block mid-redirect."""
    base = request.app[config_key].billing.stripe_api_base
    extra = [*STRIPE_PAGES, str(URL(base).origin())] if base else list(STRIPE_PAGES)
    policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(extra)
    )
    return {"Content-Security-Policy": policy}


def _require_enabled(app: web.Application) -> None:
    if not app[config_key].billing.enabled:
        raise Conflict("Billing is turned off on this server: every account has everything.")


async def checkout_for(request: web.Request, user_id: int, username: str, plan_key: str) -> str:
    """The Stripe Checkout page for a subscription to the plan."""
    app = request.app
    _require_enabled(app)
    plan = await get_plan(app[db_key], plan_key)
    if plan.free:
        raise BadRequest(
            "The Free plan needs no payment; cancel a paid plan in the billing portal.",
            field="plan",
        )
    state = await standing(app, app[db_key], user_id)
    if not state.covered:
        raise Conflict("This account is not billed: it already has everything.")
    if state.account.stripe_subscription_id and state.account.status in (*PAID, "past_due"):
        raise Conflict("This account already has a subscription; change plans in the portal.")
    return await checkout_url(app, user_id, username, plan, own_origin(request))


async def portal_for(request: web.Request, user_id: int) -> str:
    """The Stripe customer portal for the account's customer."""
    app = request.app
    _require_enabled(app)
    state = await standing(app, app[db_key], user_id)
    customer = state.account.stripe_customer_id
    if not customer:
        raise Conflict("There is nothing to manage yet: choose a plan first.")
    return await portal_url(app, customer, own_origin(request))
