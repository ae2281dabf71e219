"""How long a /metrics scrape takes on a server with a big database, while it serves a load.

It starts a real server (subprocess, temp data dir, free port) over a database holding many
jobs (by default 100,000: most finished, a tenth still queued, across a dozen types) and as
many audit log entries, then, while a load of requests runs against it (pages, health checks,
made-up paths, each answered and counted by the request metrics), scrapes /metrics with the
bearer token again and again and prints the scrape times (p50, p95, max) against the 50 ms
target, the load's throughput, and the size of the exposition.

    python bench/bench_metrics.py                 # SQLite, 100k jobs, 200 scrapes
    python bench/bench_metrics.py --quick         # 2k jobs, 30 scrapes (a smoke run)
    python bench/bench_metrics.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is created if missing and its public schema is WIPED, so its name must
start with "bench".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import _fresh_postgres, free_port, server_env  # noqa: E402

TOKEN = "bench-metrics-token-0123456789"
TARGET_MS = 50.0
JOB_TYPES = [f"bench.type{n}" for n in range(12)]
LOAD_PATHS = ["/health", "/login", "/setup", "/static/css/app.css", "/no/such/{n}", "/ready"]


def metrics_env(work: Path, port: int, database_url: str) -> dict[str, str]:
    return server_env(work, port, database_url, access_log=False) | {
        "MEDIASERVER_METRICS__TOKEN": TOKEN,
        # The generated queue must stay as generated: no handler picks these types up.
        "MEDIASERVER_JOBS__POLL_SECONDS": "5",
    }


async def fill_database(database_url: str, rows: int) -> float:
    """Migrate, then add `rows` jobs and `rows` audit entries; seconds it took."""
    from mediaserver.db.audit_schema import audit_log
    from mediaserver.db.engine import create_database
    from mediaserver.db.migrate import upgrade
    from mediaserver.db.schema import jobs

    started = time.perf_counter()
    db = create_database(database_url)
    try:
        await upgrade(db)
        rng = random.Random(7)
        now = time.time()
        batch = 5000
        for first in range(0, rows, batch):
            job_rows, audit_rows = [], []
            for i in range(first, min(rows, first + batch)):
                queued = i % 10 == 0
                began = now - rng.uniform(60, 30 * 86400)
                job_rows.append(
                    {
                        "type": JOB_TYPES[i % len(JOB_TYPES)],
                        "payload": {"n": i},
                        "status": "queued" if queued else "succeeded",
                        "run_after": now + 86400 if queued else began,
                        "created_at": began,
                        "updated_at": began,
                        "started_at": None if queued else began,
                        "finished_at": None if queued else began + rng.uniform(1, 3600),
                    }
                )
                audit_rows.append(
                    {
                        "at": began,
                        "actor_id": 1,
                        "actor_name": "bench",
                        "address": "127.0.0.1",
                        "action": "library.scan",
                        "target": f"library {i % 40}",
                        "detail": json.dumps({"job_id": i}),
                    }
                )
            async with db.write() as conn:
                await conn.execute(jobs.insert(), job_rows)
                await conn.execute(audit_log.insert(), audit_rows)
    finally:
        await db.close()
    return time.perf_counter() - started


@contextlib.contextmanager
def running_server(work: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    env = metrics_env(work, port, database_url)
    log_path = work / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediaserver", "serve"], env=env, stdout=log, stderr=log
        )
        try:
            yield f"http://127.0.0.1:{port}"
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def wait_ready(session: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(base + "/health") as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not start")


async def load(
    session: aiohttp.ClientSession, base: str, stop: asyncio.Event, done: list, every: float
) -> None:
    """One connection's share of an open-loop load: a request every `every` seconds."""
    n = random.randrange(1000)
    next_at = time.monotonic()
    while not stop.is_set():
        path = LOAD_PATHS[n % len(LOAD_PATHS)].format(n=n)
        n += 1
        try:
            async with session.get(base + path, allow_redirects=False) as resp:
                await resp.read()
            done.append(resp.status)
        except aiohttp.ClientError:
            done.append(0)
        next_at += every
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def scrape(session: aiohttp.ClientSession, base: str) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    started = time.perf_counter()
    async with session.get(base + "/metrics", headers=headers) as resp:
        body = await resp.read()
    elapsed = (time.perf_counter() - started) * 1000
    if resp.status != 200:
        raise SystemExit(f"/metrics answered {resp.status}")
    return elapsed, len(body)


async def server_side(session: aiohttp.ClientSession, base: str) -> tuple[float, float]:
    """The server's own view of its /metrics answers: mean handler time, share under 50 ms."""
    from prometheus_client.parser import text_string_to_metric_families

    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with session.get(base + "/metrics", headers=headers) as resp:
        text = await resp.text()
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "mediaserver_http_request_duration_seconds":
            continue
        for s in family.samples:
            if s.labels.get("route") != "metrics":
                continue
            if s.name.endswith("_bucket") and s.labels.get("le") == "0.05":
                found["under"] = s.value
            elif s.name.endswith("_sum") or s.name.endswith("_count"):
                found[s.name.rsplit("_", 1)[1]] = s.value
    count = found.get("count", 0) or 1
    return found.get("sum", 0) / count * 1000, found.get("under", 0) / count


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(base: str, args: argparse.Namespace) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=args.concurrency + 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        await wait_ready(session, base)
        first_ms, _ = await scrape(session, base)  # the one scrape that reads the database
        stop, done = asyncio.Event(), []
        workers = [
            asyncio.create_task(load(session, base, stop, done, args.concurrency / args.rate))
            for _ in range(args.concurrency)
        ]
        await asyncio.sleep(1)  # the load is running
        load_started, served_before = time.perf_counter(), len(done)
        times, size = [], 0
        for _ in range(args.scrapes):
            ms, size = await scrape(session, base)
            times.append(ms)
            await asyncio.sleep(args.interval)
        load_seconds = time.perf_counter() - load_started
        stop.set()
        await asyncio.gather(*workers)
        server_ms, under = await server_side(session, base)
    return {
        "server_mean_ms": server_ms,
        "server_under_target": under,
        "first_ms": first_ms,
        "p50_ms": statistics.median(times),
        "p95_ms": pct(times, 0.95),
        "max_ms": max(times),
        "bytes": size,
        "load_rps": (len(done) - served_before) / load_seconds,
        "load_errors": sum(1 for s in done if s == 0 or s >= 500),
        "seconds": load_seconds,
    }


def bench(backend: str, database_url: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-metrics-{backend}-") as tmp:
        work = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{work / 'data' / 'mediaserver.db'}"
        if backend == "postgres":
            asyncio.run(_fresh_postgres(database_url))
        filled = asyncio.run(fill_database(url, args.rows))
        print(f"{backend}: {args.rows:,} jobs and audit entries written in {filled:.1f} s")
        with running_server(work, database_url) as base:
            return asyncio.run(measure(base, args))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="jobs (and audit entries)")
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between scrapes")
    parser.add_argument("--concurrency", type=int, default=8, help="load connections")
    parser.add_argument("--rate", type=float, default=200, help="load requests per second")
    parser.add_argument("--postgres", default="", help="also bench PostgreSQL at this URL")
    parser.add_argument("--quick", action="store_true", help="2k rows, 30 scrapes (smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.scrapes, args.concurrency, args.rate = 2000, 30, 4, 50
    runs = [("sqlite", "")] + ([("postgres", args.postgres)] if args.postgres else [])
    print(f"{'backend':<9} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}  "
          f"{'body':>8} {'load req/s':>10}  target p95 < {TARGET_MS:.0f} ms")
    worst = 0.0
    for backend, url in runs:
        r = bench(backend, url, args)
        worst = max(worst, r["p95_ms"])
        print(
            f"{backend:<9} {r['first_ms']:6.1f}ms {r['p50_ms']:6.1f}ms {r['p95_ms']:6.1f}ms "
            f"{r['max_ms']:6.1f}ms  {r['bytes'] / 1024:6.1f}KiB {r['load_rps']:10.0f}  "
            f"({args.scrapes} scrapes over {r['seconds']:.0f} s, {r['load_errors']} load errors)"
        )
        print(
            f"{'':<9} server side: {r['server_mean_ms']:.1f} ms mean per scrape, "
            f"{r['server_under_target']:.0%} under {TARGET_MS:.0f} ms"
        )
    print(f"worst p95 / target: {worst / TARGET_MS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
