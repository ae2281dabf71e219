# ruff: noqa: E501  (user agents and SQL column lists read best on one line)
"""Analytics at scale: generated viewing history, the rollups over it, every analytics page's
answer time, and heartbeat ingest through the real HTTP endpoint while pages are being read.

For each backend it starts a real server (`mediaserver serve`, subprocess, temp data dir; the
admin made by the CLI), then writes straight into its database:

  * a library of --titles titles (4 in 5 movies, the rest series of 10 episodes), each file
    20-120 minutes long; --users users with 2 profiles each;
  * --plays plays spread over the last --days days (weighted to evenings), with a user agent
    from six real ones, a method, first-frame time, rebuffering, rungs, and how far they got
    (a quarter stop in the first 15%, half finish);
  * --heartbeats raw progress heartbeats spread over those plays (positions evenly from 0 to how
    far each got), with ids, in big batches (sqlite3 executemany / PostgreSQL COPY).

Then it runs the rollups (plays into hourly/daily tables, heartbeats into reach/positions),
times each analytics page (signed-in admin, loopback HTTP; p50/p95 of --requests requests) for
the default 30 days and for a 365-day range (also filtered by device and by method), and
measures heartbeats/s: --concurrency connections of wrk (or aiohttp tasks, --ingest-client)
sending PUT /api/v1/plays/{id} {position, paused} for --seconds while 2 tasks read pages.
Targets: pages < 300 ms, ingest >= 2,000 heartbeats/s.

    python bench/bench_analytics.py --quick                      # small sizes, SQLite
    python bench/bench_analytics.py                              # 1M plays, 20M heartbeats
    python bench/bench_analytics.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_an

The PostgreSQL database is created if missing and its public schema is WIPED (name must start
with "bench").

--keep DIR keeps the generated history for the next run with the same DIR: the SQLite database
file is kept in DIR (each run works on a copy), the PostgreSQL one as the template database
"<name>_kept" (each run's database is made from it); the server migrates the copy at start.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
sys.path.insert(0, str(Path(__file__).resolve().parent))

import analytics_bulk  # noqa: E402
from bench_http import _fresh_postgres, running_server, sign_in  # noqa: E402

from mediaserver.analytics.rollup_heartbeats import roll_up_heartbeats  # noqa: E402
from mediaserver.analytics.rollup_plays import roll_up_plays  # noqa: E402
from mediaserver.db.engine import create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402

AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
]
METHODS = ["ladder"] * 6 + ["direct"] * 2 + ["remux", "transcode"]
PAGES = [
    "/admin/analytics",
    "/admin/analytics/retention",
    "/admin/analytics/quality",
    "/admin/analytics/history",
]
DAY = 86400.0


def generate(args: argparse.Namespace, now: float):  # noqa: ANN201 - rows per table
    """All generated rows, as tuples per table (ids given, so heartbeats can name their play)."""
    rnd = random.Random(7)
    lib = [(1, "Bench", "movies", "[]", now, now)]
    titles, files, seasons, episodes = [], [], [], []
    file_id = episode_id = 0
    for t in range(1, args.titles + 1):
        series = t % 5 == 0
        titles.append(
            (
                t,
                1,
                "series" if series else "movie",
                f"Title {t}",
                f"title {t}",
                now - rnd.random() * 400 * DAY,
            )
        )
        if series:
            seasons.append((t, t, 1))
            for e in range(1, 11):
                episode_id += 1
                file_id += 1
                episodes.append((episode_id, t, t, 1, e, now))
                files.append((file_id, None, episode_id, rnd.uniform(1200, 3000)))
        else:
            file_id += 1
            files.append((file_id, t, None, rnd.uniform(3600, 7200)))
    users = [(u, f"user{u}") for u in range(2, args.users + 2)]
    profiles = [
        (p, u, f"P{p}") for p, (u, _) in enumerate([(u, 0) for u, _ in users for _ in (0, 1)], 2)
    ]
    plays = []
    for pid in range(1, args.plays + 1):
        f = files[rnd.randrange(len(files))]
        duration = f[3]
        day = now - rnd.random() * args.days * DAY
        started = (
            day
            - day % DAY
            + rnd.choice([18, 19, 20, 20, 21, 21, 22, 13, 9]) * 3600
            + rnd.random() * 3600
        )
        started = min(started, now - 60)
        r = rnd.random()
        reach = duration * (
            rnd.uniform(0, 0.15) if r < 0.25 else 1.0 if r > 0.5 else rnd.uniform(0.15, 1)
        )
        profile = profiles[rnd.randrange(len(profiles))]
        plays.append(
            (pid, profile[1], profile[0], f[0], rnd.choice(METHODS), rnd.choice(AGENTS), started,
             started + reach, int(rnd.lognormvariate(6.3, 0.5)), rnd.random() * 3,
             rnd.randrange(3), '["720p", "1080p"]', reach, reach, rnd.random() < 0.01)
        )  # fmt: skip
    return lib, titles, seasons, episodes, files, users, profiles, plays


def per_play(args: argparse.Namespace) -> int:
    return max(1, args.heartbeats // max(args.plays, 1))


def beat_rows(plays, n: int):  # noqa: ANN001, ANN201 - an iterator of heartbeat tuples
    """Each play's heartbeats, positions evenly from 0 to how far it got (made as they are
    written: 20 million tuples at once would take gigabytes)."""
    hb_id = 0
    for p in plays:
        pid, started, reach = p[0], p[6], p[13]
        for i in range(n):
            hb_id += 1
            pos = reach * i / max(n - 1, 1)
            yield (hb_id, pid, started + pos, pos, i == n - 1)


TITLE_COLS = "id, library_id, kind, title, sort_title, added_at, updated_at, provider_ids, locked_fields, source_key, description"
PLAY_COLS = (
    "id, user_id, profile_id, media_file_id, method, client, started_at, updated_at, "
    "time_to_first_frame_ms, rebuffer_seconds, rung_switches, rungs, seconds_watched, "
    "position_seconds, fatal_error, paused, rebuffer_count, ended_at"
)


def _rows(data, now, beats_per_play):  # noqa: ANN001, ANN202
    lib, titles, seasons, episodes, files, users, profiles, plays = data
    beats = beat_rows(plays, beats_per_play)
    return {
        "libraries": (
            "id, name, kind, paths, created_at, updated_at, policy",
            [(*r, "hybrid") for r in lib],
        ),
        "titles": (
            TITLE_COLS,
            [(t[0], t[1], t[2], t[3], t[4], t[5], now, "{}", "[]", f"k{t[0]}", "") for t in titles],
        ),
        "seasons": ("id, series_id, number", [(s[0], s[1], s[2]) for s in seasons]),
        "episodes": (
            "id, series_id, season_id, season_number, episode_number, added_at, locked_fields, description",
            [(*e, "[]", "") for e in episodes],
        ),
        "media_files": (
            "id, library_id, path, display_path, size, mtime, status, title_id, episode_id, duration_seconds, first_seen_at, last_seen_at",
            [
                (f[0], 1, f"/m/{f[0]}", f"/m/{f[0]}", 1, now, "ok", f[1], f[2], f[3], now, now)
                for f in files
            ],
        ),
        "users": (
            "id, username, username_key, password_hash, role, disabled, created_at, updated_at",
            [(u[0], u[1], u[1], "x", "user", False, now, now) for u in users],
        ),
        "profiles": (
            "id, user_id, name, avatar, is_kids, created_at",
            [(p[0], p[1], p[2], "blue", False, now) for p in profiles],
        ),
        "plays": (PLAY_COLS, [(*p[:14], "boom" if p[14] else None, False, 0, p[7]) for p in plays]),
        "play_heartbeats": ("id, play_id, at, position_seconds, paused", beats),
    }


def load_sqlite(path: str, tables) -> None:  # noqa: ANN001
    import sqlite3

    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    # For the generator only: nothing here needs to survive a crash, and a big page cache
    # keeps the B-trees being built in memory.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    for name, (cols, rows) in tables.items():
        marks = ", ".join("?" * len(cols.split(",")))
        # Indexes are built once after the rows are in (far faster than row by row at 20M).
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (name,),
        ).fetchall()
        conn.execute("BEGIN")
        for index, _ in indexes:
            conn.execute(f"DROP INDEX {index}")
        conn.executemany(f"INSERT INTO {name} ({cols}) VALUES ({marks})", rows)
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
    conn.close()


BIG = ("play_heartbeats", "analytics_hourly", "analytics_title_periods", "analytics_reach")


async def _copy_big(conn, name: str, columns: list[str], rows) -> None:  # noqa: ANN001
    """COPY into a big table with its secondary indexes built afterwards and its foreign-key
    triggers off (the generated rows are consistent): at 20M heartbeats, far faster."""
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        name,
    )
    await conn.execute("SET synchronous_commit = off")
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["indexname"]}"')
    await conn.execute(f"ALTER TABLE {name} DISABLE TRIGGER ALL")
    try:
        await conn.copy_records_to_table(name, records=rows, columns=columns)
    finally:
        await conn.execute(f"ALTER TABLE {name} ENABLE TRIGGER ALL")
        for index in indexes:
            await conn.execute(index["indexdef"])


async def load_postgres(url: str, tables) -> None:  # noqa: ANN001
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for name, (cols, rows) in tables.items():
            columns = [c.strip() for c in cols.split(",")]
            if name in ("titles", "episodes", "plays"):  # JSON columns: COPY wants them as json
                await conn.executemany(
                    f"INSERT INTO {name} ({cols}) VALUES ({', '.join(f'${i + 1}' for i in range(len(columns)))})",
                    rows,
                )
            elif name in BIG:
                await _copy_big(conn, name, columns, rows)
            else:
                await conn.copy_records_to_table(name, records=rows, columns=columns)
        for table in (
            "libraries",
            "titles",
            "seasons",
            "episodes",
            "media_files",
            "users",
            "profiles",
            "plays",
            "play_heartbeats",
        ):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    finally:
        await conn.close()


async def load(backend: str, url: str, tables) -> None:  # noqa: ANN001
    if backend == "sqlite":
        await asyncio.to_thread(load_sqlite, url.split("///", 1)[1], tables)
    else:
        await load_postgres(url, tables)


async def bulk_rollups(backend: str, url: str, db, data, n: int) -> tuple[int, int]:  # noqa: ANN001
    """The rollups computed in process and written in bulk (see analytics_bulk)."""
    _lib, _titles, _seasons, episodes, files, _users, _profiles, plays = data
    built, days = analytics_bulk.day_rows(plays, files, episodes)
    reach, positions = analytics_bulk.reach_rows(plays, files, n)
    await load(backend, url, analytics_bulk.as_tables(built, reach, positions))
    newest = max(p[7] for p in plays)
    await analytics_bulk.finish(db, days, newest, len(plays) * n)
    return len(days), len(plays) * n


async def timed_pages(
    session: aiohttp.ClientSession, base: str, query: str, n: int
) -> dict[str, tuple[float, float]]:
    out = {}
    for page in PAGES:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            async with session.get(f"{base}{page}?{query}") as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{page}: {resp.status}")
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out[page] = (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))])
    return out


async def ingest(
    session: aiohttp.ClientSession, base: str, csrf: str, media_file: int, args
) -> tuple[float, int]:  # noqa: ANN001
    headers = {"X-CSRF-Token": csrf}
    play_ids = []
    for _ in range(args.concurrency):
        async with session.post(
            f"{base}/api/v1/plays",
            json={"media_file_id": media_file, "method": "ladder"},
            headers=headers,
        ) as r:
            if r.status != 201:
                raise RuntimeError(f"start play: {r.status} {await r.text()}")
            play_ids.append((await r.json())["id"])
    sent = errors = 0
    stop = time.monotonic() + args.seconds

    async def beat(play_id: int) -> None:
        nonlocal sent, errors
        pos = 0.0
        while time.monotonic() < stop:
            pos += 10
            async with session.put(
                f"{base}/api/v1/plays/{play_id}",
                json={"position": pos, "paused": False},
                headers=headers,
            ) as r:
                await r.read()
                if r.status == 200:
                    sent += 1
                else:
                    errors += 1

    async def reader() -> None:
        i = 0
        while time.monotonic() < stop:
            async with session.get(base + PAGES[i % len(PAGES)]) as r:
                await r.read()
            i += 1

    t0 = time.monotonic()
    if args.ingest_client == "wrk":
        readers = [asyncio.create_task(reader()) for _ in range(args.readers)]
        rate, errors = await _wrk_beats(base, session, csrf, play_ids, args)
        await asyncio.gather(*readers)
        return rate, errors
    await asyncio.gather(*(beat(p) for p in play_ids), *(reader() for _ in range(args.readers)))
    return sent / (time.monotonic() - t0), errors


WRK_BEATS = r"""
local ids = {%s}
local n = 0
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "ms_session=%s"
wrk.headers["X-CSRF-Token"] = "%s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function request()
  n = n + 1
  -- Each play moves on 10 s per report, wrapping within the 48 hours a position may be.
  local at = (math.floor(n / #ids) * 10) %% 172000
  local body = string.format('{"position": %%d, "paused": false}', at)
  return wrk.format(nil, "/api/v1/plays/" .. ids[n %% #ids + 1], nil, body)
end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("BEATS %%d %%d %%d\n", summary.requests, summary.duration, b))
end
"""


async def _wrk_beats(
    base: str, session: aiohttp.ClientSession, csrf: str, play_ids: list[int], args
) -> tuple[float, int]:  # noqa: ANN001
    """The heartbeats sent by wrk (one thread, --concurrency connections): a C client, so the
    server, not a Python client sharing its CPUs, is what is measured."""
    cookie = next(c.value for c in session.cookie_jar if c.key == "ms_session")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_BEATS % (", ".join(map(str, play_ids)), cookie, csrf))
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{args.concurrency}", f"-d{int(args.seconds)}s", "-s", lua.name, base,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out = (await proc.communicate())[0].decode()
    Path(lua.name).unlink()
    found = re.search(r"^BEATS (\d+) (\d+) (\d+)$", out, re.M)
    if found is None:
        raise RuntimeError(f"no BEATS line in wrk output:\n{out}")
    requests, micros, bad = (int(x) for x in found.groups())
    return (requests - bad) / (micros / 1e6), bad


async def prepare(backend: str, url: str, args: argparse.Namespace, now: float):  # noqa: ANN201
    """Migrate, write the generated history, and roll it up (before the server starts, so the
    server's own rollup job finds it done)."""
    db = create_database(url)
    try:
        await upgrade(db)
    finally:
        await db.close()
    t0 = time.perf_counter()
    data = generate(args, now)
    n = per_play(args)
    tables = _rows(data, now, n)
    t1 = time.perf_counter()
    await load(backend, url, tables)
    t2 = time.perf_counter()
    print(
        f"[{backend}] generated {args.plays:,} plays in {t1 - t0:.1f}s, written with {len(data[-1]) * n:,} heartbeats in {t2 - t1:.1f}s",
        flush=True,
    )
    db = create_database(url)
    try:
        if args.bulk_rollups:
            days, beats = await bulk_rollups(backend, url, db, data, n)
            t3 = t4 = time.perf_counter()
            print(f"[{backend}] rollups written in bulk in {t3 - t2:.1f}s", flush=True)
        else:
            days = await roll_up_plays(db, keep_plays_days=args.days + 30, now=now + 3600)
            t3 = time.perf_counter()
            beats = await roll_up_heartbeats(db)
            t4 = time.perf_counter()
        # Fresh planner statistics after the bulk load, as autovacuum / a live server's
        # periodic ANALYZE would have them; on PostgreSQL the visibility map too (VACUUM, as
        # autovacuum does after inserts), without which no index-only scan skips the heap.
        async with db.engine.connect() as conn:
            if backend == "postgres":
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(sa.text("VACUUM ANALYZE"))
            else:
                await conn.execute(sa.text("ANALYZE"))
                await conn.commit()
    finally:
        await db.close()
    print(
        f"[{backend}] rollups: {days} days of plays in {t3 - t2:.1f}s, {beats:,} heartbeats in {t4 - t3:.1f}s",
        flush=True,
    )
    return data


async def measure(
    backend: str, base: str, media_file: int, args: argparse.Namespace, now: float
) -> None:
    cookie, _page = await asyncio.to_thread(sign_in, base)
    jar = aiohttp.CookieJar(unsafe=True)
    connector = aiohttp.TCPConnector(limit=args.concurrency + 4)
    async with aiohttp.ClientSession(
        cookie_jar=jar, connector=connector, cookies={"ms_session": cookie}
    ) as session:
        async with session.get(base + "/profiles") as r:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await r.text()).group(1)
        year = f"from={time.strftime('%Y-%m-%d', time.gmtime(now - 364 * DAY))}"
        for label, query in (
            ("30 days", ""),
            ("365 days", year),
            ("365 d phone", f"{year}&device=phone"),
            ("365 d direct", f"{year}&method=direct"),
        ):
            for page, (p50, p95) in (
                await timed_pages(session, base, query, args.requests)
            ).items():
                ok = "ok" if p95 < 300 else "SLOW"
                print(
                    f"[{backend}] {label:12} {page:30} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {ok}",
                    flush=True,
                )
        rate, errors = await ingest(session, base, csrf, media_file, args)
        print(
            f"[{backend}] heartbeats ingested: {rate:,.0f}/s with {args.readers} page readers ({errors} errors; target >= 2,000/s)",
            flush=True,
        )


async def _postgres_copy(url: str, source: str, target: str) -> bool:
    """CREATE DATABASE target TEMPLATE source (dropping target first); False without source."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": source}
            )
            if found:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
                await conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
            return bool(found)
    finally:
        await admin.dispose()


def _kept(backend: str, url: str, db_file: Path, args: argparse.Namespace) -> float | None:
    """Put the kept history in place; the time it was generated at, or None (none kept)."""
    keep = Path(args.keep)
    stamp = keep / f"{backend}.now"
    if not stamp.exists():
        return None
    if backend == "sqlite":
        db_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(keep / "mediaserver.db", db_file)
    else:
        name = sa.engine.make_url(url).database
        if not asyncio.run(_postgres_copy(url, f"{name}_kept", name)):
            return None
    return float(stamp.read_text())


def _keep(backend: str, url: str, db_file: Path, args: argparse.Namespace, now: float) -> None:
    keep = Path(args.keep)
    keep.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        shutil.copyfile(db_file, keep / "mediaserver.db")
    else:
        name = sa.engine.make_url(url).database
        asyncio.run(_postgres_copy(url, name, f"{name}_kept"))
    (keep / f"{backend}.now").write_text(repr(now))


def bench(backend: str, url: str, args: argparse.Namespace) -> None:
    now = time.time()
    with tempfile.TemporaryDirectory(prefix=f"bench-analytics-{backend}-") as tmp:
        db_file = Path(tmp) / "data" / "mediaserver.db"
        db_url = url or f"sqlite+aiosqlite:///{db_file}"
        kept = _kept(backend, url, db_file, args) if args.keep else None
        if kept is None:
            if backend == "postgres":
                asyncio.run(_fresh_postgres(url))
            asyncio.run(prepare(backend, db_url, args, now))
            if args.keep:
                _keep(backend, url, db_file, args, now)
        else:
            now = kept
            print(f"[{backend}] history kept in {args.keep} (generated {time.ctime(now)})")
        # Housekeeping would start deleting the generated raw plays and heartbeats older than
        # their retention (90 / 30 days) the moment the server starts; a server that had been
        # running all along would have deleted them bit by bit, so keep them here.
        keep = str(args.days + 30)
        extra = {
            "MEDIASERVER_HOUSEKEEPING__KEEP_PLAYS_DAYS": keep,
            "MEDIASERVER_ANALYTICS__KEEP_HEARTBEATS_DAYS": keep,
        }
        with running_server(Path(tmp), url, False, extra) as (base, _):
            # Media file 1: the first the generator makes.
            asyncio.run(measure(backend, base, 1, args, now))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--heartbeats", type=int, default=20_000_000)
    parser.add_argument("--titles", type=int, default=3000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--readers", type=int, default=2, help="page readers during ingest")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--postgres", default="", help="also run on this PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--keep", default="", help="keep the generated history here for reuse")
    parser.add_argument(
        "--ingest-client",
        choices=("wrk", "aiohttp"),
        default="wrk" if shutil.which("wrk") else "aiohttp",
        help="what sends the heartbeats (wrk: a C client that leaves the CPUs to the server)",
    )
    parser.add_argument(
        "--job-rollups",
        dest="bulk_rollups",
        action="store_false",
        help="roll up with the server's rollup code instead of writing the rollups in bulk",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.plays, args.heartbeats, args.titles, args.users = 2000, 40_000, 100, 10
        args.days, args.requests, args.seconds, args.concurrency = 30, 3, 3, 16
    if not args.no_sqlite:
        bench("sqlite", "", args)
    if args.postgres:
        bench("postgres", args.postgres, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
