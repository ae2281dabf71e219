"""The admin dashboard with a long history: how fast /admin and /api/v1/admin/dashboard answer.

A real server (create_app behind aiohttp's runner, on a free port) over a database holding
--plays plays spread over the last 60 days (1 million by default), 2,000 titles and 10,000 media
files, with --active plays being watched right now (in the active streams registry). It asks for
the page and for the JSON twin --requests times each, one after another, as an admin (an API
key), and reports p50 / p95 / max; then the time until an event stream's first snapshot. Today's
and this week's figures are counted in the background (the page never waits for them); the time
one count takes is printed on its own, before the history is rolled up (every play read raw) and
after (rollups up to the rolled-up hour, raw plays since).

    python bench/bench_dashboard.py                 # SQLite, 1 million plays
    python bench/bench_dashboard.py --quick         # 20,000 plays, a few requests
    python bench/bench_dashboard.py --postgres postgresql+asyncpg://postgres@127.0.0.1/test

With --postgres a fresh database is created beside the one named and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from mediaserver.accounts import create_user  # noqa: E402
from mediaserver.accounts.api_keys import create_api_key  # noqa: E402
from mediaserver.analytics import run_rollups, summary_today_and_week  # noqa: E402
from mediaserver.app import create_app  # noqa: E402
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.db.catalog_schema import libraries, media_files, titles  # noqa: E402
from mediaserver.db.schema import profiles  # noqa: E402
from mediaserver.db.viewer_schema import plays  # noqa: E402
from mediaserver.keys import db_key  # noqa: E402
from mediaserver.streaming.keys import active_streams_key  # noqa: E402
from mediaserver.streaming.tokens import MediaGrant  # noqa: E402

DAY = 86400.0
TITLES = 2_000
FILES = 10_000
USERS = 20
CHUNK = 10_000
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
METHODS = ("ladder", "direct", "remux", "transcode")


async def seed(app: web.Application, n_plays: int, n_active: int) -> str:
    """The catalog, users, plays and active plays; returns an admin API key."""
    db = app[db_key]
    admin = await create_user(db, "admin", "bench-password-1", "admin")
    key = (await create_api_key(db, admin.id, "bench", admin.id)).secret
    users = [admin.id]
    for n in range(1, USERS):
        users.append((await create_user(db, f"viewer{n}", "bench-password-1")).id)
    now = time.time()
    rng = random.Random(7)
    async with db.write() as conn:
        lib = (
            await conn.execute(
                libraries.insert().values(
                    name="Films", kind="movies", paths=["/srv/films"], created_at=now,
                    updated_at=now,
                )
            )
        ).inserted_primary_key[0]  # fmt: skip
        await conn.execute(
            titles.insert(),
            [
                {
                    "library_id": lib, "kind": "movie", "title": f"Title {n}",
                    "sort_title": f"title {n}", "provider_ids": {}, "locked_fields": [],
                    "source_key": f"t{n}", "added_at": now - rng.uniform(0, 60 * DAY),
                    "updated_at": now,
                }
                for n in range(TITLES)
            ],
        )  # fmt: skip
        title_ids = (await conn.execute(sa.select(titles.c.id))).scalars().all()
        await conn.execute(
            media_files.insert(),
            [
                {
                    "library_id": lib, "path": f"/srv/films/{n}.mkv",
                    "display_path": f"/srv/films/{n}.mkv", "size": rng.randrange(1 << 30),
                    "mtime": now, "title_id": title_ids[n % len(title_ids)],
                    "duration_seconds": 5400.0, "first_seen_at": now, "last_seen_at": now,
                }
                for n in range(FILES)
            ],
        )  # fmt: skip
        file_ids = (await conn.execute(sa.select(media_files.c.id))).scalars().all()
        owners = (await conn.execute(sa.select(profiles.c.user_id, profiles.c.id))).all()
    profile_of = dict(owners)
    for start in range(0, n_plays, CHUNK):
        rows = []
        for _ in range(min(CHUNK, n_plays - start)):
            user = rng.choice(users)
            at = now - rng.uniform(0, 60 * DAY)
            rows.append(
                {
                    "user_id": user, "profile_id": profile_of[user],
                    "media_file_id": rng.choice(file_ids), "method": rng.choice(METHODS),
                    "client": UA, "started_at": at, "updated_at": at + 1800,
                    "ended_at": at + 1800, "rungs": ["720p"], "seconds_watched": 1800.0,
                    "position_seconds": 1800.0,
                }
            )  # fmt: skip
        async with db.write() as conn:
            await conn.execute(plays.insert(), rows)
    registry = app[active_streams_key]
    for n in range(n_active):
        user = users[n % len(users)]
        grant = MediaGrant(
            user, profile_of[user], file_ids[n], 0, int(now + 3600), secrets.token_hex(8)
        )
        registry.register(
            grant, method="ladder", reason="This title is packaged.", client=UA,
            title=f"Title {n}", rung="720p", user_name=f"user {user}", profile_name="Main",
        )  # fmt: skip
    return key


async def timed(session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    took = []
    for _ in range(n):
        start = time.perf_counter()
        async with session.get(url) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        took.append(time.perf_counter() - start)
    return took


async def first_event(session: aiohttp.ClientSession, url: str) -> float:
    start = time.perf_counter()
    async with session.get(url) as resp:
        while not (await resp.content.readline()).startswith(b"data: "):
            pass
    return time.perf_counter() - start


def line(name: str, took: list[float]) -> str:
    ms = sorted(t * 1000 for t in took)
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]  # nearest rank
    figures = f"p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"
    return f"  {name:<28} {figures}"


async def run(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        environ={},
        overrides={
            "paths": {"data_dir": data_dir / "data", "cache_dir": data_dir / "cache"},
            "database": {"url": db_url},
            "logging": {"access_log": False},
        },
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        started = time.perf_counter()
        key = await seed(app, args.plays, args.active)
        took = time.perf_counter() - started
        print(f"  seeded {args.plays:,} plays, {args.active} active in {took:.0f} s")
        started = time.perf_counter()
        await summary_today_and_week(app)
        took = time.perf_counter() - started
        print(f"  counting today and this week, nothing rolled up yet: {took * 1000:.0f} ms")
        started = time.perf_counter()
        await run_rollups(app)
        took = time.perf_counter() - started
        print(f"  rollup job over the whole history: {took:.0f} s")
        for _ in range(3):
            started = time.perf_counter()
            await summary_today_and_week(app)
            took = time.perf_counter() - started
            print(f"  counting today and this week from the rollups: {took * 1000:.0f} ms")
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for url in ("/admin", "/api/v1/admin/dashboard"):  # warm: templates, caches, pools
                await timed(session, base + url, 2)
            print(line("GET /admin", await timed(session, base + "/admin", args.requests)))
            api = await timed(session, base + "/api/v1/admin/dashboard", args.requests)
            print(line("GET /api/v1/admin/dashboard", api))
            events = [
                await first_event(session, base + "/admin/dashboard/events") for _ in range(3)
            ]
            print(line("first live snapshot", events))
    finally:
        await runner.cleanup()


async def with_postgres(url: str, args: argparse.Namespace, data_dir: Path) -> None:
    name = f"bench_dash_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        db_url = make_url(url).set(database=name).render_as_string(hide_password=False)
        await run(db_url, data_dir, args)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plays", type=int, default=1_000_000, help="plays in the history")
    parser.add_argument("--active", type=int, default=50, help="plays being watched now")
    parser.add_argument("--requests", type=int, default=30, help="requests per URL")
    parser.add_argument("--quick", action="store_true", help="20,000 plays, 5 requests")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL")
    args = parser.parse_args(argv)
    if args.quick:
        args.plays, args.requests = 20_000, 5
    with tempfile.TemporaryDirectory(prefix="bench-dash-") as tmp:
        print("SQLite")
        sqlite = Path(tmp) / "sqlite"
        asyncio.run(run(f"sqlite+aiosqlite:///{sqlite / 'mediaserver.db'}", sqlite, args))
        if args.postgres:
            print(f"PostgreSQL {make_url(args.postgres).render_as_string()}")
            asyncio.run(with_postgres(args.postgres, args, Path(tmp) / "pg"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
