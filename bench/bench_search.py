"""Search as you type on a 20,000-title catalog, SQLite and PostgreSQL, new index beside the old.

Builds a fresh database (migrated as the server does) with --titles titles (a tenth of them
series with ten named episodes), three cast names each and a short description, indexed by the
server's own writer (`search_index.write_documents`). Beside it, the previous index (FTS5
unicode61 / tsvector, word-prefix matches only) is built in `legacy_search` from the same text.
Then it replays typing: every keystroke of a title's words, a piece from the middle of a word, a
one-typo word, a year and a person, for --samples titles, and times

  new    the whole results query of the /search page (`search_titles`: index + cards; also its
         CPU time in this process, which on SQLite includes the database's work), and
  index  the new index lookup alone (`db.search.find`), beside
  old    the previous index lookup alone,

printing p50/p95 in ms. Target: p95 under 50 ms on both backends.

    python bench/bench_search.py --quick
    python bench/bench_search.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_search

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import _fresh_postgres  # noqa: E402

from mediaserver.catalog.search import search_titles  # noqa: E402
from mediaserver.catalog.search_filters import SearchFilters  # noqa: E402
from mediaserver.db.catalog_schema import episodes, libraries, seasons, titles  # noqa: E402
from mediaserver.db.engine import Database, create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.db.search import find, search_terms  # noqa: E402
from mediaserver.db.search_index import SearchDocument, make_document, write_documents  # noqa: E402

SYLLABLES = "ka lo mi ne ru sa ti vo ber dan fel gor han jil kor lum mar nor pel quin".split()  # noqa: SIM905
WORDS = """night harbor silver river tongues fractal garden winter empire shadow light storm house
city road king queen ghost fire glass iron stone wolf moon sun ocean island north last first
lost secret hidden broken golden dark""".split()  # noqa: SIM905
BATCH = 1000


def pseudo(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def make_catalog(n: int, rng: random.Random) -> list[dict]:
    """Title rows with their people, episode names and description (plain text)."""
    people = [f"{pseudo(rng)} {pseudo(rng)}" for _ in range(5000)]
    rows = []
    for i in range(n):
        words = [rng.choice(WORDS).capitalize() if rng.random() < 0.5 else pseudo(rng)
                 for _ in range(rng.randint(1, 4))]  # fmt: skip
        series = i % 10 == 0
        rows.append({
            "title": " ".join(words), "year": rng.randint(1930, 2026), "series": series,
            "people": rng.sample(people, 3),
            "episodes": [f"The {pseudo(rng)} {rng.choice(WORDS)}" for _ in range(10 * series)],
            "description": " ".join(rng.choice(WORDS + SYLLABLES) for _ in range(25)),
        })  # fmt: skip
    return rows


async def seed(db: Database, rows: list[dict]) -> None:
    now = time.time()
    dialect = db.engine.dialect.name
    async with db.write() as conn:
        lib = (await conn.execute(sa.insert(libraries).values(
            name="Bench", kind="movies", paths=[], created_at=now, updated_at=now
        ).returning(libraries.c.id))).scalar_one()  # fmt: skip
        if dialect == "sqlite":
            await conn.execute(sa.text(
                "CREATE VIRTUAL TABLE legacy_search USING fts5(title, description, people, "
                "tokenize = 'unicode61 remove_diacritics 2')"))  # fmt: skip
        else:
            await conn.execute(
                sa.text(
                    "CREATE TABLE legacy_search (title_id INTEGER PRIMARY KEY, document TSVECTOR)"
                )
            )
            await conn.execute(sa.text(
                "CREATE INDEX ix_legacy_search ON legacy_search USING GIN (document)"))  # fmt: skip
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        async with db.write() as conn:
            ids = (await conn.execute(sa.insert(titles).returning(titles.c.id), [
                {"library_id": lib, "kind": "series" if r["series"] else "movie",
                 "title": r["title"], "sort_title": r["title"].lower(), "year": r["year"],
                 "description": r["description"], "provider_ids": {}, "locked_fields": [],
                 "source_key": f"k{start + i}", "added_at": now - start - i, "updated_at": now,
                 "maturity_rating": "PG"} for i, r in enumerate(part)
            ])).scalars().all()  # fmt: skip
            for tid, r in zip(ids, part, strict=True):
                if r["episodes"]:
                    sid = (
                        await conn.execute(
                            sa.insert(seasons)
                            .values(series_id=tid, number=1)
                            .returning(seasons.c.id)
                        )
                    ).scalar_one()
                    await conn.execute(sa.insert(episodes), [
                        {"series_id": tid, "season_id": sid, "season_number": 1,
                         "episode_number": e + 1, "title": name, "locked_fields": [],
                         "added_at": now} for e, name in enumerate(r["episodes"])])  # fmt: skip
            docs: list[SearchDocument] = [
                make_document(tid, r["title"], r["description"], r["people"], r["episodes"],
                              year=r["year"]) for tid, r in zip(ids, part, strict=True)
            ]  # fmt: skip
            await write_documents(conn, docs)
            legacy = [
                {"id": tid, "t": r["title"], "d": r["description"], "p": " ".join(r["people"])}
                for tid, r in zip(ids, part, strict=True)
            ]
            if dialect == "sqlite":
                await conn.execute(sa.text(
                    "INSERT INTO legacy_search (rowid, title, description, people) "
                    "VALUES (:id, :t, :d, :p)"), legacy)  # fmt: skip
            else:
                await conn.execute(sa.text(
                    "INSERT INTO legacy_search (title_id, document) VALUES (:id, "
                    "setweight(to_tsvector('simple', :t), 'A') || "
                    "setweight(to_tsvector('simple', :p), 'B') || "
                    "setweight(to_tsvector('simple', :d), 'C'))"), legacy)  # fmt: skip
    if dialect == "postgresql":
        async with db.write() as conn:
            await conn.execute(sa.text("ANALYZE"))


async def legacy_find(db: Database, query: str) -> list[int]:
    """The previous search: every word a prefix of an indexed word."""
    terms = search_terms(query)
    if not terms:
        return []
    async with db.read() as conn:
        if conn.dialect.name == "sqlite":
            match = " ".join(f'"{t}"*' for t in terms)
            sql = ("SELECT rowid FROM legacy_search WHERE legacy_search MATCH :q "
                   "ORDER BY bm25(legacy_search, 10.0, 1.0, 3.0) LIMIT 1000")  # fmt: skip
        else:
            match = " & ".join(f"{t}:*" for t in terms)
            tsq = "to_tsquery('simple', :q)"
            sql = (f"SELECT title_id FROM legacy_search WHERE document @@ {tsq} "
                   f"ORDER BY ts_rank(document, {tsq}) DESC LIMIT 1000")  # fmt: skip
        return [r[0] for r in await conn.execute(sa.text(sql), {"q": match})]


def typing(rows: list[dict], samples: int, rng: random.Random) -> list[str]:
    """What viewers type: each keystroke of a title, mid-word pieces, typos, years, people."""
    queries: list[str] = []
    for r in rng.sample(rows, samples):
        title = r["title"].lower()
        queries += [title[:k] for k in range(1, len(title) + 1) if title[k - 1] != " "]
        word = max(title.split(), key=len)
        queries.append(word[1:])  # the middle of a word
        if len(word) >= 5:
            i = rng.randrange(1, len(word) - 1)
            queries.append(word[:i] + word[i + 1 :])  # one letter missing
        queries += [str(r["year"]), r["people"][0].split()[1].lower()]
    return queries


def pct(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


async def measure(url: str, label: str, rows: list[dict], queries: list[str]) -> None:
    db = create_database(url)
    try:
        await upgrade(db)
        started = time.perf_counter()
        await seed(db, rows)
        seeded = time.perf_counter() - started
        timings: dict[str, list[float]] = {"new": [], "index": [], "old": []}
        hits = {"index": 0, "old": 0}
        cpu = 0.0
        for q in queries:
            c0, t0 = time.process_time(), time.perf_counter()
            await search_titles(db, None, SearchFilters(q=q))
            t1 = time.perf_counter()
            cpu += time.process_time() - c0
            async with db.read() as conn:
                found = await find(conn, q, 1000)
            t2 = time.perf_counter()
            old = await legacy_find(db, q)
            t3 = time.perf_counter()
            timings["new"].append((t1 - t0) * 1000)
            timings["index"].append((t2 - t1) * 1000)
            timings["old"].append((t3 - t2) * 1000)
            hits["index"] += bool(found.ids)
            hits["old"] += bool(old)
        names = {"new": "search page results (index + cards)", "index": "new index lookup"}
        for name, what in (names | {"old": "previous index lookup"}).items():
            p50, p95 = pct(timings[name])
            found_share = (
                f"  found something for {hits[name] / len(queries):4.0%}" if name in hits else ""
            )
            print(f"{label:<10} {what:<38} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms{found_share}")
        where = "the bench process, SQLite included" if label == "SQLite" else "the bench process"
        print(f"{label:<10} search page results: {cpu / len(queries) * 1000:.2f} ms CPU a query "
              f"in {where} (wall times above also count waiting for other work)")  # fmt: skip
        print(f"{label:<10} {len(rows):,} titles, {len(queries)} keystroke queries, "
              f"seeded and indexed in {seeded:.1f} s")  # fmt: skip
    finally:
        await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=40, help="titles typed out")
    parser.add_argument("--postgres", default="", help="a bench* PostgreSQL URL (wiped)")
    parser.add_argument("--quick", action="store_true", help="2,000 titles, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.titles, args.samples = 2000, 10
    rng = random.Random(13)
    rows = make_catalog(args.titles, rng)
    queries = typing(rows, args.samples, rng)
    with tempfile.TemporaryDirectory(prefix="bench-search-db-") as tmp:
        asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", rows, queries))
    if args.postgres:
        asyncio.run(_fresh_postgres(args.postgres))
        asyncio.run(measure(args.postgres, "PostgreSQL", rows, queries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
