"""Stripe webhooks under redelivery and disorder: exactly-once effects, right final states, rate.

For each database backend it starts a real server (subprocess, temp data dir, free port) with
billing on, pointed at the Stripe-compatible fake the tests use (tests/billing/fake_stripe.py,
on loopback in this process). 100 accounts each get a subscription and 20 events (Checkout
completed, subscription created / updated / trial ending / deleted, invoices paid and failed):
2,000 signed events. 20% of them are delivered a second time, everything is shuffled, and 50
deliveries are in flight at once. The fake holds each subscription's final state, as Stripe
would while late events still arrive.

Checked afterwards, in the database: every event id stored once, exactly as many "applied"
answers as distinct events (zero double effects), every account on the plan and status Stripe
holds, every invoice with the status its latest news says. Printed: events per second.

    python bench/bench_webhooks.py
    python bench/bench_webhooks.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database's public schema is WIPED, so its name must start with "bench".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_http import _fresh_postgres, free_port, server_env, stop, wait_http  # noqa: E402

from mediaserver.db.billing_schema import (  # noqa: E402
    billing_accounts,
    billing_events,
    billing_invoices,
    billing_plans,
)
from mediaserver.db.engine import create_database  # noqa: E402
from mediaserver.db.schema import users  # noqa: E402
from tests.billing.fake_stripe import FakeStripe  # noqa: E402

SECRET = "whsec_bench"
ACCOUNTS = 100
PAID_PLANS = ("basic", "premium", "family")


@dataclass
class Scenario:
    """What was sent and what must be true afterwards."""

    deliveries: list[dict]
    distinct: int
    expected_plan: dict[int, str]
    expected_status: dict[int, str]
    expected_invoices: dict[str, str]


@contextlib.contextmanager
def running(workdir: Path, database_url: str, stripe_base: str) -> Iterator[str]:
    port = free_port()
    env = server_env(workdir, port, database_url, False) | {
        "MEDIASERVER_BILLING__ENABLED": "true",
        "MEDIASERVER_BILLING__STRIPE_SECRET_KEY": "sk_test_bench",
        "MEDIASERVER_BILLING__STRIPE_WEBHOOK_SECRET": SECRET,
        "MEDIASERVER_BILLING__STRIPE_API_BASE": stripe_base,
    }
    subprocess.run(
        [sys.executable, "-m", "mediaserver", "user", "add", "admin", "--admin",
         "--password-stdin"],
        input="bench-password-1\n", text=True, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediaserver", "serve"], env=env, stdout=log, stderr=log
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 120, proc)
            yield f"http://127.0.0.1:{port}"
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            stop(proc, "mediaserver")


async def add_accounts(database_url: str) -> list[int]:
    """The accounts the events are about (written directly: signing up is not measured)."""
    db = create_database(database_url)
    now = time.time()
    try:
        async with db.write() as conn:
            rows = [
                {
                    "username": f"viewer{i}",
                    "username_key": f"viewer{i}",
                    "password_hash": "!",
                    "role": "user",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(ACCOUNTS)
            ]
            await conn.execute(sa.insert(users), rows)
            query = sa.select(users.c.id).where(users.c.role == "user").order_by(users.c.id)
            return list((await conn.execute(query)).scalars())
    finally:
        await db.close()


def make_prices(fake: FakeStripe) -> dict[str, str]:
    product = fake._create_product({"name": "Bench"})
    amounts = {"basic": "999", "premium": "1499", "family": "1999"}
    return {
        plan: fake._create_price(
            {
                "product": product["id"],
                "unit_amount": cents,
                "currency": "usd",
                "recurring": {"interval": "month"},
                "metadata": {"plan": plan},
            }
        )["id"]
        for plan, cents in amounts.items()
    }


def scenario(fake: FakeStripe, user_ids: list[int], rng: random.Random) -> Scenario:
    """20 events per account against the subscription's final state in the fake."""
    prices = make_prices(fake)
    events: list[dict] = []
    plan_of: dict[int, str] = {}
    status_of: dict[int, str] = {}
    invoices: dict[str, str] = {}
    for user_id in user_ids:
        customer = fake._create_customer({"metadata": {"user_id": str(user_id)}})["id"]
        final_plan = rng.choice(PAID_PLANS)
        ended = rng.random() < 0.3
        sub = fake.subscription(customer, prices[final_plan], user_id=user_id)
        session = {"id": fake.new_id("cs"), "object": "checkout.session", "customer": customer,
                   "client_reference_id": str(user_id), "subscription": sub["id"]}  # fmt: skip
        mine = [fake.event("checkout.session.completed", session)]
        mine.append(fake.event("customer.subscription.created", sub))
        for _ in range(2):
            mine.append(fake.event("customer.subscription.updated", sub))
        mine.append(fake.event("customer.subscription.trial_will_end", sub))
        for _ in range(8):
            invoice = fake.invoice(sub, paid=True)
            invoices[invoice["id"]] = "paid"
            mine.append(fake.event("invoice.paid", invoice))
        for i in range(4):  # failed renewals; two of them paid later
            invoice = fake.invoice(sub, paid=False)
            mine.append(fake.event("invoice.payment_failed", invoice))
            invoices[invoice["id"]] = "failed"
            if i < 2:
                paid = dict(invoice, status="paid", amount_paid=invoice["amount_due"])
                mine.append(fake.event("invoice.paid", paid))
                invoices[invoice["id"]] = "paid"
        if ended:
            sub.update(status="canceled", canceled_at=int(time.time()))
            mine.append(fake.event("customer.subscription.deleted", sub))
        else:
            mine.append(fake.event("customer.subscription.updated", sub))
        assert len(mine) == 20, len(mine)
        events += mine
        plan_of[user_id] = "free" if ended else final_plan
        status_of[user_id] = "canceled" if ended else "active"
    again = rng.sample(events, len(events) // 5)
    deliveries = events + again
    rng.shuffle(deliveries)
    return Scenario(deliveries, len(events), plan_of, status_of, invoices)


async def send_all(fake: FakeStripe, base: str, deliveries: list[dict], in_flight: int):
    """Deliver everything, `in_flight` at once; a non-2xx is retried (as Stripe does)."""
    fake.webhook_url = base + "/webhooks/stripe"
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for event in deliveries:
        queue.put_nowait(event)
    applied = duplicates = retries = 0

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal applied, duplicates, retries
        while not queue.empty():
            event = queue.get_nowait()
            while True:
                payload, header = fake.signed(event)
                headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
                async with http.post(fake.webhook_url, data=payload, headers=headers) as resp:
                    body = await resp.json(content_type=None)
                    if resp.status == 200:
                        if body["duplicate"]:
                            duplicates += 1
                        else:
                            applied += 1
                        break
                retries += 1
                await asyncio.sleep(0.05)

    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(in_flight)))
        elapsed = time.perf_counter() - started
    return applied, duplicates, retries, elapsed


async def check(database_url: str, plan: Scenario) -> list[str]:
    """What is wrong in the database afterwards (empty: all right)."""
    problems: list[str] = []
    db = create_database(database_url)
    try:
        async with db.read() as conn:
            events = await conn.scalar(sa.select(sa.func.count()).select_from(billing_events))
            accounts = {
                r.user_id: r for r in (await conn.execute(sa.select(billing_accounts))).all()
            }
            invoices = dict(
                (await conn.execute(
                    sa.select(billing_invoices.c.invoice_id, billing_invoices.c.status)
                )).all()
            )  # fmt: skip
            plan_count = await conn.scalar(sa.select(sa.func.count()).select_from(billing_plans))
    finally:
        await db.close()
    if events != plan.distinct:
        problems.append(f"{events} event ids stored, {plan.distinct} distinct events sent")
    if plan_count != 4:
        problems.append(f"{plan_count} plans")
    for user_id, want in plan.expected_plan.items():
        row = accounts.get(user_id)
        got = (row.plan_key, row.status) if row else None
        if got != (want, plan.expected_status[user_id]):
            problems.append(f"account {user_id}: {got}, expected {want}")
    for invoice_id, want in plan.expected_invoices.items():
        if invoices.get(invoice_id) != want:
            problems.append(f"invoice {invoice_id}: {invoices.get(invoice_id)}, expected {want}")
    return problems


async def run_backend(name: str, database_url: str, args: argparse.Namespace) -> dict:
    fake = FakeStripe(SECRET)
    stripe_base = await fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix=f"bench-webhooks-{name}-") as tmp:
            url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
            if url.startswith("postgresql"):
                await _fresh_postgres(url)
            cm = running(Path(tmp), url, stripe_base)
            base = await asyncio.to_thread(cm.__enter__)
            try:
                user_ids = await add_accounts(url)
                plan = scenario(fake, user_ids, random.Random(args.seed))
                applied, dupes, retries, elapsed = await send_all(
                    fake, base, plan.deliveries, args.in_flight
                )
            finally:
                await asyncio.to_thread(cm.__exit__, None, None, None)
            problems = await check(url, plan)
    finally:
        await fake.close()
    if applied != plan.distinct:
        problems.insert(0, f"{applied} applied answers for {plan.distinct} distinct events")
    return {
        "backend": name,
        "deliveries": len(plan.deliveries),
        "distinct": plan.distinct,
        "applied": applied,
        "duplicates": dupes,
        "retries": retries,
        "seconds": elapsed,
        "rate": len(plan.deliveries) / elapsed,
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="", help="also run on this PostgreSQL URL")
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    backends = [("sqlite", "")] + ([("postgresql", args.postgres)] if args.postgres else [])
    results = [asyncio.run(run_backend(name, url, args)) for name, url in backends]
    print(f"{'backend':<11} {'sent':>6} {'distinct':>8} {'applied':>7} {'dupes':>6} "
          f"{'retries':>7} {'seconds':>8} {'events/s':>9}  result")  # fmt: skip
    failed = False
    for r in results:
        verdict = "all right" if not r["problems"] else f"{len(r['problems'])} PROBLEMS"
        print(
            f"{r['backend']:<11} {r['deliveries']:>6} {r['distinct']:>8} {r['applied']:>7} "
            f"{r['duplicates']:>6} {r['retries']:>7} {r['seconds']:>8.2f} {r['rate']:>9.1f}  "
            f"{verdict}"
        )
        for problem in r["problems"][:10]:
            print("   ", problem)
        failed |= bool(r["problems"])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
