"""The account's billing page and API, and the Stripe webhook.

GET  /billing                    the plan in force, the plan picker, next and past invoices
POST /billing/checkout           (form: plan) to Stripe Checkout for that plan
POST /billing/portal             to the Stripe customer portal
GET  /api/v1/billing             the same as JSON
POST /api/v1/billing/checkout    {"plan": key} -> {"url": Checkout's page}
POST /api/v1/billing/portal      -> {"url": the portal's page}
POST /webhooks/stripe            Stripe's events, authenticated by their signature only
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import get_identity
from mediaserver.billing import webhooks
from mediaserver.billing.api_models import BillingOut, CheckoutBody, RedirectOut, WebhookOut
from mediaserver.billing.checkout import checkout_for, portal_for, stripe_forms_policy
from mediaserver.billing.overview import money, overview
from mediaserver.errors import DomainError, Forbidden
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input
from mediaserver.http.templating import render

routes = web.RouteTableDef()


def _user(request: web.Request) -> tuple[int, str]:
    user = get_identity(request).user
    assert user is not None  # access("user")
    return user.id, user.username


def _grown_up(request: web.Request) -> tuple[int, str]:
    """The account, when the caller may spend its money (not from a kids profile)."""
    profile = get_identity(request).profile
    if profile is not None and profile.is_kids:
        raise Forbidden("Switch to a grown-up profile to choose or change the plan.")
    return _user(request)


@routes.get("/billing", name="billing_page")
@access("user")
async def billing_page(request: web.Request) -> web.Response:
    user_id, _ = _user(request)
    view = await overview(request.app, user_id)
    context = {"view": view, "money": money, "done": request.query.get("checkout", "")}
    return render(request, "billing/billing.html", context, headers=stripe_forms_policy(request))


@routes.post("/billing/checkout", name="billing_checkout")
@access("user")
async def billing_checkout(request: web.Request) -> web.Response:
    body = parse_model(CheckoutBody, await read_input(request))
    raise web.HTTPSeeOther(await checkout_for(request, *_grown_up(request), body.plan))


@routes.post("/billing/portal", name="billing_portal")
@access("user")
async def billing_portal(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther(await portal_for(request, _grown_up(request)[0]))


@routes.get("/api/v1/billing", name="api_billing")
@access("user")
@api(response=BillingOut)
async def api_billing(request: web.Request) -> web.Response:
    """The account's plan in force, the plans it may choose, its next and past invoices."""
    return json_model(BillingOut.of(await overview(request.app, _user(request)[0])))


@routes.post("/api/v1/billing/checkout", name="api_billing_checkout")
@access("user")
@api(body=CheckoutBody, response=RedirectOut)
async def api_billing_checkout(request: web.Request) -> web.Response:
    """Start Stripe Checkout for a subscription to a plan; send the user to the URL."""
    body = parse_model(CheckoutBody, await read_input(request))
    return json_model(RedirectOut(url=await checkout_for(request, *_grown_up(request), body.plan)))


@routes.post("/api/v1/billing/portal", name="api_billing_portal")
@access("user")
@api(response=RedirectOut)
async def api_billing_portal(request: web.Request) -> web.Response:
    """Open the Stripe customer portal (cards, plan changes, cancelling) for the account."""
    return json_model(RedirectOut(url=await portal_for(request, _grown_up(request)[0])))


@routes.post("/webhooks/stripe", name="stripe_webhook")
@access("token")  # the signature over the raw body is the only credential
@api(response=WebhookOut, raw_body="application/json")
async def stripe_webhook(request: web.Request) -> web.Response:
    """Receive a Stripe event (signed); applied exactly once, whatever the order."""
    try:
        event = webhooks.verify(
            request.app, await request.read(), request.headers.get("Stripe-Signature")
        )
        result = await webhooks.handle(request.app, event)
    except DomainError as exc:  # Stripe reads JSON whatever it sends in Accept
        problem = {"title": exc.title, "status": exc.status, "detail": exc.detail}
        return web.json_response(
            problem, status=exc.status, content_type="application/problem+json"
        )
    return json_model(
        WebhookOut(received=True, duplicate=result.duplicate, event_id=result.event_id)
    )
