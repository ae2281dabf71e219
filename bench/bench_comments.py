"""Comments at scale: the first page of a title with 10,000 comments, on SQLite and PostgreSQL.

Builds a fresh database (migrated as the server does), a library with --titles titles, --users
accounts of one profile each, and --comments comments on one title (a tenth of them replies,
likes spread so "top" has a real order) plus as many again spread over the other titles. Then
times the server's own code for the comment section's first page (`section()`: visibility of
the title, the comments switch, the keyset page with each comment's profile and the viewer's
like, and the replies), newest and top, --requests times each, and prints p50/p95 in ms.
Target: under 50 ms server time.

    python bench/bench_comments.py --quick                 # 1,000 comments, SQLite only
    python bench/bench_comments.py                         # 10,000 comments, SQLite
    python bench/bench_comments.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_comments

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
from mediaserver.db.catalog_schema import libraries, titles  # noqa: E402
from mediaserver.db.engine import Database, create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.db.schema import profiles, users  # noqa: E402
from mediaserver.db.social_comments_schema import comment_likes, comments  # noqa: E402
from mediaserver.keys import config_key, db_key  # noqa: E402
from mediaserver.social.comments.records import Viewer  # noqa: E402
from mediaserver.social.comments.service import open_thread, section  # noqa: E402

BATCH = 2000


async def seed(db: Database, n_titles: int, n_users: int, n_comments: int) -> tuple[int, int, int]:
    """(the busy title's id, a viewer's user id and profile id)."""
    now = time.time()
    rng = random.Random(7)
    async with db.write() as conn:
        lib = (await conn.execute(sa.insert(libraries).values(
            name="Bench", kind="movies", paths=[], created_at=now, updated_at=now
        ).returning(libraries.c.id))).scalar_one()  # fmt: skip
        await conn.execute(sa.insert(titles), [
            {"library_id": lib, "kind": "movie", "title": f"T{i}", "sort_title": f"t{i}",
             "provider_ids": {}, "locked_fields": [], "source_key": f"k{i}", "added_at": now,
             "updated_at": now, "maturity_rating": "PG"}
            for i in range(n_titles)
        ])  # fmt: skip
        await conn.execute(sa.insert(users), [
            {"username": f"u{i}", "username_key": f"u{i}", "password_hash": "x",
             "created_at": now, "updated_at": now} for i in range(n_users)
        ])  # fmt: skip
        user_ids = (await conn.execute(sa.select(users.c.id))).scalars().all()
        await conn.execute(sa.insert(profiles), [
            {"user_id": u, "name": f"P{u}", "avatar": "blue", "created_at": now} for u in user_ids
        ])  # fmt: skip
        prof = (await conn.execute(sa.select(profiles.c.id, profiles.c.user_id))).all()
        title_ids = (await conn.execute(sa.select(titles.c.id))).scalars().all()
    busy = title_ids[0]
    # The busy title's comments first (ids 1..n), then as many spread over the others.
    for title_pool, count in (([busy], n_comments), (title_ids[1:], n_comments)):
        tops: list[int] = []
        for start in range(0, count, BATCH):
            rows = []
            for i in range(start, min(count, start + BATCH)):
                pid, uid = prof[rng.randrange(len(prof))]
                rows.append({
                    "title_id": rng.choice(title_pool), "user_id": uid, "profile_id": pid,
                    "text": f"comment {i} at 12:34 " + "words " * rng.randrange(2, 40),
                    "created_at": now - (count - i), "like_count": int(rng.paretovariate(1.2)) - 1,
                })  # fmt: skip
            async with db.write() as conn:
                await conn.execute(sa.insert(comments), rows)
                if title_pool == [busy] and not tops:
                    tops = (await conn.execute(sa.select(comments.c.id).where(
                        comments.c.title_id == busy))).scalars().all()[:200]  # fmt: skip
        if title_pool == [busy]:
            async with db.write() as conn:  # a tenth of them are replies to the first 200
                reply_ids = (await conn.execute(sa.select(comments.c.id).where(
                    comments.c.title_id == busy, comments.c.id % 10 == 0,
                    comments.c.id.not_in(tops)))).scalars().all()  # fmt: skip
                for rid in reply_ids:
                    parent = tops[rid % len(tops)]
                    await conn.execute(sa.update(comments).where(comments.c.id == rid).values(
                        parent_id=parent))  # fmt: skip
                    await conn.execute(sa.update(comments).where(comments.c.id == parent).values(
                        reply_count=comments.c.reply_count + 1))  # fmt: skip
                await conn.execute(sa.insert(comment_likes), [
                    {"comment_id": c, "profile_id": prof[0][0], "created_at": now}
                    for c in tops[:50]
                ])  # fmt: skip
    return busy, prof[0][1], prof[0][0]


async def measure(url: str, label: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-comments-") as tmp:
        settings = load_settings(environ={}, overrides={
            "paths": {"data_dir": Path(tmp) / "d", "cache_dir": Path(tmp) / "c"},
            "database": {"url": url},
        })  # fmt: skip
        db = create_database(settings.database_url)
        try:
            await upgrade(db)
            started = time.perf_counter()
            busy, user_id, profile_id = await seed(db, args.titles, args.users, args.comments)
            seeded = time.perf_counter() - started
            app = web.Application()
            app[db_key], app[config_key] = db, settings
            profile = await get_profile(db, user_id, profile_id)
            viewer = Viewer(profile, is_admin=False)
            for sort in ("new", "top"):
                times = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    thread = await open_thread(app, viewer, busy, None)
                    found = await section(app, viewer, thread, sort, None)
                    times.append((time.perf_counter() - t0) * 1000)
                assert len(found.page.comments) == 20 and found.page.next_cursor
                times.sort()
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                print(f"{label:<10} {sort:<4} {args.comments:>7,} comments  first page "
                      f"p50 {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms  "
                      f"(target < 50 ms; seeded in {seeded:.1f} s)")  # fmt: skip
        finally:
            await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--titles", type=int, default=500)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default="", help="a bench* PostgreSQL URL (wiped)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.comments, args.titles, args.users, args.requests = 1000, 20, 20, 20
    with tempfile.TemporaryDirectory(prefix="bench-comments-db-") as tmp:
        asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", args))
    if args.postgres:
        asyncio.run(_fresh_postgres(args.postgres))
        asyncio.run(measure(args.postgres, "PostgreSQL", args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
