"""A small Stripe-compatible server on loopback for the tests and the webhook bench.

It speaks the request and response shapes of the Stripe API the server uses (form-encoded
bodies with bracketed keys, JSON objects with `id` and `object`, Stripe's error body): customers,
products, prices, Checkout Sessions, billing portal sessions, subscriptions and the preview of a
subscription's next invoice. localstripe
(run by the suite too) has no Prices, no Checkout Sessions and no billing portal, and its
subscriptions reference legacy Plans, so a subscription made by Checkout cannot live there.

A Checkout Session's `url` is a page here with a Pay button: paying makes the subscription,
sends the webhooks a real Checkout sends (signed with the real scheme) to the registered
endpoint, and redirects to the session's `success_url`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from typing import Any

import aiohttp
import stripe
from aiohttp import web

from tests.billing.fake_invoices import preview_invoice

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracketed form keys (`line_items[0][price]`) as nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [a or b for a, b in _KEY.findall(key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)


class FakeStripe:
    """The fake's state and its aiohttp app; start with `await fake.start()`."""

    def __init__(self, webhook_secret: str = "whsec_test_secret") -> None:
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.objects: dict[str, dict[str, Any]] = {}
        self.counter = itertools.count(1)
        self.fail_next_retrieve = 0
        self.preview_discount = 0  # cents off the next invoice (a coupon, in Stripe)
        self.requests: list[tuple[str, str]] = []
        self.base = ""
        self._runner: web.AppRunner | None = None

    # ----- life -----

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/v1/{path:.*}", self._api)
        app.router.add_get("/checkout/{id}", self._checkout_page)
        app.router.add_post("/checkout/{id}/pay", self._pay)
        app.router.add_get("/portal/{id}", self._portal_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def reset(self) -> None:
        self.objects.clear()
        self.requests.clear()
        self.fail_next_retrieve = 0

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.counter):06d}{secrets.token_hex(4)}"

    # ----- the API -----

    async def _api(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return _error(401, "Invalid API Key provided.", "authentication_error")
        path = request.match_info["path"].rstrip("/")
        self.requests.append((request.method, path))
        body = parse_form(list((await request.post()).items())) if request.method == "POST" else {}
        handlers = {
            ("POST", "customers"): self._create_customer,
            ("POST", "products"): self._create_product,
            ("POST", "prices"): self._create_price,
            ("POST", "checkout/sessions"): self._create_checkout,
            ("POST", "billing_portal/sessions"): self._create_portal,
            ("POST", "invoices/create_preview"): self._create_preview,
        }
        handler = handlers.get((request.method, path))
        if handler is not None:
            found = handler(body)
            return found if isinstance(found, web.Response) else web.json_response(found)
        match = re.fullmatch(r"(customers|prices|subscriptions|checkout/sessions)/([\w-]+)", path)
        if request.method == "GET" and match:
            if match[1] == "subscriptions" and self.fail_next_retrieve:
                self.fail_next_retrieve -= 1
                return _error(500, "Something went wrong on Stripe's end.", "api_error")
            found = self.objects.get(match[2])
            if found is None:
                return _error(404, f"No such {match[1].rstrip('s')}: '{match[2]}'")
            return web.json_response(found)
        return _error(404, f"Unrecognized request URL ({request.method}: /v1/{path}).")

    def _store(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        return obj

    def _create_customer(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            {
                "id": self.new_id("cus"),
                "object": "customer",
                "created": int(time.time()),
                "description": body.get("description"),
                "email": body.get("email"),
                "metadata": body.get("metadata") or {},
                "livemode": False,
            }
        )

    def _create_product(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            {
                "id": self.new_id("prod"),
                "object": "product",
                "active": True,
                "name": body["name"],
                "metadata": body.get("metadata") or {},
                "livemode": False,
            }
        )

    def _create_price(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._store(
            {
                "id": self.new_id("price"),
                "object": "price",
                "active": True,
                "currency": body["currency"],
                "product": body["product"],
                "unit_amount": int(body["unit_amount"]),
                "recurring": {"interval": body["recurring"]["interval"], "interval_count": 1},
                "type": "recurring",
                "metadata": body.get("metadata") or {},
                "livemode": False,
            }
        )

    def _create_checkout(self, body: dict[str, Any]) -> dict[str, Any]:
        sid = self.new_id("cs_test")
        return self._store(
            {
                "id": sid,
                "object": "checkout.session",
                "mode": body["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "customer": body.get("customer"),
                "client_reference_id": body.get("client_reference_id"),
                "line_items_input": body.get("line_items"),
                "subscription_data": body.get("subscription_data") or {},
                "metadata": body.get("metadata") or {},
                "success_url": body["success_url"],
                "cancel_url": body.get("cancel_url"),
                "subscription": None,
                "url": f"{self.base}/checkout/{sid}",
                "livemode": False,
            }
        )

    def _create_portal(self, body: dict[str, Any]) -> dict[str, Any]:
        pid = self.new_id("bps")
        return self._store(
            {
                "id": pid,
                "object": "billing_portal.session",
                "customer": body["customer"],
                "return_url": body.get("return_url"),
                "url": f"{self.base}/portal/{pid}",
                "livemode": False,
            }
        )

    def _create_preview(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        return preview_invoice(self, body)

    # ----- state the tests and the bench drive -----

    def subscription(
        self,
        customer: str,
        price_id: str,
        *,
        status: str = "active",
        user_id: int | None = None,
        period_days: float = 30,
        sub_id: str | None = None,
    ) -> dict[str, Any]:
        """Make or replace a subscription as Stripe would hold it."""
        price = self.objects[price_id]
        now = int(time.time())
        end = now + int(period_days * 86_400)
        sid = sub_id or self.new_id("sub")
        return self._store(
            {
                "id": sid,
                "object": "subscription",
                "customer": customer,
                "status": status,
                "cancel_at_period_end": False,
                "canceled_at": now if status == "canceled" else None,
                "created": now,
                "current_period_start": now,
                "current_period_end": end,
                "trial_end": None,
                "metadata": {"user_id": str(user_id)} if user_id is not None else {},
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": self.new_id("si"),
                            "object": "subscription_item",
                            "price": price,
                            "quantity": 1,
                            "current_period_start": now,
                            "current_period_end": end,
                        }
                    ],
                },
                "livemode": False,
            }
        )

    def invoice(self, sub: dict[str, Any], *, paid: bool, invoice_id: str | None = None) -> dict:
        price = sub["items"]["data"][0]["price"]
        return self._store(
            {
                "id": invoice_id or self.new_id("in"),
                "object": "invoice",
                "customer": sub["customer"],
                "subscription": sub["id"],
                "status": "paid" if paid else "open",
                "amount_due": price["unit_amount"],
                "amount_paid": price["unit_amount"] if paid else 0,
                "currency": price["currency"],
                "created": int(time.time()),
                "hosted_invoice_url": f"https://invoice.stripe.com/i/{secrets.token_hex(6)}",
                "livemode": False,
            }
        )

    def event(self, kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict:
        return {
            "id": event_id or self.new_id("evt"),
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": int(time.time()),
            "type": kind,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }

    def signed(self, event: dict[str, Any], timestamp: int | None = None) -> tuple[bytes, str]:
        """The body and Stripe-Signature header Stripe would send."""
        payload = json.dumps(event, indent=2).encode()
        at = int(time.time()) if timestamp is None else timestamp
        header = stripe.WebhookSignature.generate_signature_header(
            payload.decode(), self.webhook_secret, timestamp=at
        )
        return payload, header

    async def deliver(self, session: aiohttp.ClientSession, event: dict[str, Any]) -> int:
        """POST the event, signed, to the registered endpoint; its status."""
        assert self.webhook_url is not None
        payload, header = self.signed(event)
        headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
        async with session.post(self.webhook_url, data=payload, headers=headers) as resp:
            await resp.read()
            return resp.status

    # ----- the pages a browser sees -----

    async def _checkout_page(self, request: web.Request) -> web.Response:
        session = self.objects.get(request.match_info["id"])
        if session is None:
            raise web.HTTPNotFound()
        price = self.objects[session["line_items_input"][0]["price"]]
        amount = f"${price['unit_amount'] / 100:.2f}"
        html = (
            "<!doctype html><title>Checkout</title><h1>Test checkout</h1>"
            f"<p>Subscribe for <strong>{amount}</strong> a month.</p>"
            f"<form method='post' action='/checkout/{session['id']}/pay'>"
            "<button type='submit' id='pay'>Pay</button></form>"
        )
        return web.Response(text=html, content_type="text/html")

    async def _pay(self, request: web.Request) -> web.Response:
        session = self.objects[request.match_info["id"]]
        user = session["client_reference_id"]
        price_id = session["line_items_input"][0]["price"]
        trial = int((session.get("subscription_data") or {}).get("trial_period_days") or 0)
        sub = self.subscription(
            session["customer"],
            price_id,
            status="trialing" if trial else "active",
            user_id=int(user) if user else None,
        )
        if trial:
            sub["trial_end"] = int(time.time()) + trial * 86_400
        session.update(status="complete", payment_status="paid", subscription=sub["id"])
        events = [
            self.event("checkout.session.completed", session),
            self.event("customer.subscription.created", sub),
            self.event("invoice.paid", self.invoice(sub, paid=True)),
        ]
        async with aiohttp.ClientSession() as http:
            for event in events:
                await self.deliver(http, event)
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
        raise web.HTTPSeeOther(target)

    async def _portal_page(self, request: web.Request) -> web.Response:
        portal = self.objects.get(request.match_info["id"])
        if portal is None:
            raise web.HTTPNotFound()
        back = portal["return_url"]
        html = (
            f"<!doctype html><title>Portal</title><h1>Billing portal</h1><a href='{back}'>Back</a>"
        )
        return web.Response(text=html, content_type="text/html")


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    """Poll an async predicate until it is true."""
    end = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
