"""Many concurrent job writers on one database: throughput, latency, and zero "database is locked".

200 asyncio tasks (one per running job, as many transcodes and scans would be) alternate progress
updates and lease heartbeats through the job queue, for --seconds. On SQLite every write goes
through the in-process writer lock (`Database.write()`), which is what must keep "database is
locked" at zero.

    python bench/bench_db_writers.py                      # SQLite in a temporary data folder
    python bench/bench_db_writers.py --seconds 5
    python bench/bench_db_writers.py --postgres postgresql+asyncpg://postgres@127.0.0.1/test

With --postgres the schema is migrated in that database and the benchmark's own jobs are deleted
afterwards; other rows are not touched.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from mediaserver.db.engine import Database, create_database, describe  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.db.schema import jobs  # noqa: E402
from mediaserver.jobs import queue  # noqa: E402

JOB_TYPE = "bench:db-writers"
LEASE_SECONDS = 3600.0  # longer than any run: the heartbeats measure writes, not expiry


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    locked: int = 0
    other_errors: int = 0
    lost_leases: int = 0
    first_error: str = ""

    def error(self, exc: Exception) -> None:
        if "database is locked" in str(exc):
            self.locked += 1
        else:
            self.other_errors += 1
        self.first_error = self.first_error or f"{type(exc).__name__}: {exc}"


async def writer(db: Database, job_id: int, owner: str, deadline: float, tally: Tally) -> None:
    n = 0
    while time.monotonic() < deadline:
        n += 1
        start = time.perf_counter()
        try:
            if n % 2:
                ok = await queue.set_progress(
                    db, job_id, owner, n % 100, fps=24.0, eta=float(n), message=f"frame {n}"
                )
            else:
                ok = await queue.heartbeat(db, job_id, owner, LEASE_SECONDS)
        except Exception as exc:
            tally.error(exc)
            continue
        tally.latencies.append(time.perf_counter() - start)
        tally.lost_leases += not ok


async def run(url: str, writers: int, seconds: float, pool_size: int) -> Tally:
    db = create_database(url, pool_size=pool_size)
    owner = f"bench-{uuid.uuid4().hex[:12]}"
    try:
        await upgrade(db)
        for n in range(writers):
            await queue.enqueue(db, JOB_TYPE, {"n": n})
        leased = await queue.lease(db, owner, [JOB_TYPE], writers, LEASE_SECONDS)
        tally = Tally()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(writer(db, j.id, owner, deadline, tally) for j in leased))
        return tally
    finally:
        async with db.write() as conn:
            await conn.execute(jobs.delete().where(jobs.c.type == JOB_TYPE))
        await db.close()


def report(name: str, tally: Tally, seconds: float) -> None:
    lat = sorted(tally.latencies)
    cuts = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [0.0] * 99
    print(f"{name}")
    print(f"  writes          {len(lat)} in {seconds:g} s = {len(lat) / seconds:,.0f} writes/s")
    print(f"  latency p50     {cuts[49] * 1000:.2f} ms")
    print(f"  latency p99     {cuts[98] * 1000:.2f} ms")
    print(f"  latency max     {(lat[-1] if lat else 0) * 1000:.2f} ms")
    print(f"  database is locked errors  {tally.locked}")
    print(f"  other errors               {tally.other_errors}  {tally.first_error}".rstrip())
    print(f"  lost leases                {tally.lost_leases}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to write")
    parser.add_argument("--writers", type=int, default=200, help="concurrent writer tasks")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--pool-size", type=int, default=10, help="PostgreSQL pool (as server)")
    args = parser.parse_args(argv)

    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-db-") as data_dir:
        url = f"sqlite+aiosqlite:///{Path(data_dir) / 'mediaserver.db'}"
        tally = asyncio.run(run(url, args.writers, args.seconds, args.pool_size))
        report(f"SQLite (WAL, one in-process writer), {args.writers} writers", tally, args.seconds)
        failed |= bool(tally.locked or tally.other_errors)
    if args.postgres:
        tally = asyncio.run(run(args.postgres, args.writers, args.seconds, args.pool_size))
        name = (
            f"PostgreSQL {describe(args.postgres)}, pool {args.pool_size}, {args.writers} writers"
        )
        report(name, tally, args.seconds)
        failed |= bool(tally.locked or tally.other_errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
