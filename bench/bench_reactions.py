"""The reaction strip at scale: 1,000,000 reactions on one title, on SQLite and PostgreSQL.

Builds a fresh database (migrated as the server does) with one two-hour title, --profiles
profiles and --reactions reactions clustered around a few moments (each profile reacts at most
once per emoji and second, as the server keeps them), plus the per-second counts the server
keeps beside them. Then times the server's own code for GET /api/v1/media/<id>/reactions/strip
(`strip()`: the watch check, the runtime, one GROUP BY over the per-second counts, smoothing),
--requests times, and prints p50/p95 in ms; beside it the same buckets computed straight from
the reactions table (one GROUP BY over its (file, second, ...) index), which is what the
per-second counts spare. Also times `react()` (the write with its count bump) --writes times.
Target: strip under 100 ms.

    python bench/bench_reactions.py --quick                # 20,000 reactions, SQLite only
    python bench/bench_reactions.py                        # 1,000,000 reactions, SQLite
    python bench/bench_reactions.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reactions

The PostgreSQL database is created if missing and its public schema is WIPED (name must start
with "bench").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import _fresh_postgres  # noqa: E402

from mediaserver.accounts import get_profile  # noqa: E402
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.db.catalog_schema import libraries, media_files, titles  # noqa: E402
from mediaserver.db.engine import Database, create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.db.schema import profiles, users  # noqa: E402
from mediaserver.db.social_reactions_schema import reaction_seconds, reactions  # noqa: E402
from mediaserver.keys import config_key, db_key  # noqa: E402
from mediaserver.social.reactions import EMOJIS  # noqa: E402
from mediaserver.social.reactions.service import react, strip  # noqa: E402

RUNTIME = 7200
BATCH = 20_000
PEAKS = (600, 2400, 3900, 6800)  # the moments everyone reacts to


def _p(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def _rows(n: int, n_profiles: int, first_profile: int, file_id: int) -> list[dict]:
    """n distinct (second, profile, emoji) reactions: half around the peaks, half anywhere."""
    rng = random.Random(7)
    seen: set[tuple[int, int, int]] = set()
    now = time.time()
    while len(seen) < n:
        if rng.random() < 0.5:
            second = int(rng.gauss(rng.choice(PEAKS), 40)) % RUNTIME
        else:
            second = rng.randrange(RUNTIME)
        seen.add((second, rng.randrange(n_profiles), rng.randrange(len(EMOJIS))))
    return [
        {"profile_id": first_profile + p, "media_file_id": file_id, "second": s,
         "emoji": EMOJIS[e], "created_at": now - 86400}
        for s, p, e in seen
    ]  # fmt: skip


async def seed(db: Database, n_profiles: int, n: int) -> tuple[int, int, int]:
    """(the file's id, a viewer's user id and profile id)."""
    now = time.time()
    async with db.write() as conn:
        lib = (await conn.execute(sa.insert(libraries).values(
            name="Bench", kind="movies", paths=[], created_at=now, updated_at=now
        ).returning(libraries.c.id))).scalar_one()  # fmt: skip
        title = (await conn.execute(sa.insert(titles).values(
            library_id=lib, kind="movie", title="Busy", sort_title="busy", provider_ids={},
            locked_fields=[], source_key="busy", added_at=now, updated_at=now,
            maturity_rating="PG",
        ).returning(titles.c.id))).scalar_one()  # fmt: skip
        file_id = (await conn.execute(sa.insert(media_files).values(
            library_id=lib, path="/busy.mkv", display_path="/busy.mkv", size=1, mtime=now,
            title_id=title, duration_seconds=float(RUNTIME), first_seen_at=now, last_seen_at=now,
        ).returning(media_files.c.id))).scalar_one()  # fmt: skip
        await conn.execute(sa.insert(users), [
            {"username": f"u{i}", "username_key": f"u{i}", "password_hash": "x",
             "created_at": now, "updated_at": now} for i in range(n_profiles)
        ])  # fmt: skip
        user_ids = (await conn.execute(sa.select(users.c.id).order_by(users.c.id))).scalars().all()
        await conn.execute(sa.insert(profiles), [
            {"user_id": u, "name": f"P{u}", "avatar": "blue", "created_at": now} for u in user_ids
        ])  # fmt: skip
        who = sa.select(profiles.c.id, profiles.c.user_id).order_by(profiles.c.id)
        prof = (await conn.execute(who)).all()
    rows = _rows(n, n_profiles, prof[0].id, file_id)
    for start in range(0, len(rows), BATCH):
        async with db.write() as conn:
            await conn.execute(sa.insert(reactions), rows[start : start + BATCH])
    per_second = (
        sa.select(reactions.c.media_file_id, reactions.c.second, sa.func.count())
        .group_by(reactions.c.media_file_id, reactions.c.second)
    )  # fmt: skip
    async with db.write() as conn:
        await conn.execute(sa.insert(reaction_seconds).from_select(
            ["media_file_id", "second", "count"], per_second))  # fmt: skip
        await conn.execute(sa.text("ANALYZE"))  # as a live database would have its statistics
    return file_id, prof[0].user_id, prof[0].id


async def raw_buckets(db: Database, file_id: int, bucket_seconds: float) -> list[int]:
    """The strip's counts straight from the reactions table: what the per-second counts spare."""
    index = sa.cast(sa.func.floor(sa.cast(reactions.c.second, sa.Float) / bucket_seconds),
                    sa.Integer)  # fmt: skip
    query = (
        sa.select(index, sa.func.count()).where(reactions.c.media_file_id == file_id)
        .group_by(index)
    )  # fmt: skip
    async with db.read() as conn:
        found = dict((await conn.execute(query)).all())
    return [int(found.get(i, 0)) for i in range(100)]


async def measure(url: str, label: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reactions-") as tmp:
        settings = load_settings(environ={}, overrides={
            "paths": {"data_dir": Path(tmp) / "d", "cache_dir": Path(tmp) / "c"},
            "database": {"url": url},
        })  # fmt: skip
        settings.social.reactions_per_minute = 600
        db = create_database(settings.database_url)
        try:
            await upgrade(db)
            started = time.perf_counter()
            file_id, user_id, profile_id = await seed(db, args.profiles, args.reactions)
            seeded = time.perf_counter() - started
            app = web.Application()
            app[db_key], app[config_key] = db, settings
            profile = await get_profile(db, user_id, profile_id)
            times, raw_times = [], []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                found = await strip(app, profile, file_id)
                times.append((time.perf_counter() - t0) * 1000)
            for _ in range(max(3, args.requests // 20)):
                t0 = time.perf_counter()
                raw = await raw_buckets(db, file_id, found.bucket_seconds)
                raw_times.append((time.perf_counter() - t0) * 1000)
            assert found.total == args.reactions and raw == found.counts
            writes = []
            for i in range(args.writes):
                t0 = time.perf_counter()
                await react(app, profile, file_id, float(i % RUNTIME), EMOJIS[i % len(EMOJIS)])
                writes.append((time.perf_counter() - t0) * 1000)
            p50, p95 = _p(times)
            r50, r95 = _p(raw_times)
            w50, w95 = _p(writes)
            print(f"{label:<10} {args.reactions:>9,} reactions  strip p50 {p50:6.2f} ms  "
                  f"p95 {p95:6.2f} ms  (target < 100 ms; from the raw table instead: p50 "
                  f"{r50:7.1f} ms, p95 {r95:7.1f} ms)  react() p50 {w50:5.2f} ms p95 {w95:5.2f} ms"
                  f"  (seeded in {seeded:.1f} s)")  # fmt: skip
        finally:
            await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reactions", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--postgres", default="", help="a bench* PostgreSQL URL (wiped)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.reactions, args.profiles, args.requests, args.writes = 20_000, 20, 20, 20
    with tempfile.TemporaryDirectory(prefix="bench-reactions-db-") as tmp:
        asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args))
    if args.postgres:
        asyncio.run(_fresh_postgres(args.postgres))
        asyncio.run(measure(args.postgres, "PostgreSQL", args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
