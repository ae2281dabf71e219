"""First scan with metadata providers on: do titles still appear at the scan's pace, and how
long until every title has its artwork?

A library of 2,000 small files (bench_scan.py's generator: 1,200 movies, 800 episodes of 40
series) is scanned twice in one run, each time into a fresh SQLite database:

- reference: the scanner alone, as bench_scan.py measures it (no listeners, no job runner);
- app, providers off: the whole application (job runner, every scan listener);
- app, providers on: the same, with TMDB pointed at the local fake (tests/metadata/fakes.py)
  answering every request 50 ms late. Metadata is fetched by background jobs during the scan.

In the app passes the libraries play on the fly and other features' background analysis
(automatic tags, intro detection) is off, so that only what a scan and metadata cost is measured.
Printed: the scan rates and the ratio providers-on / reference (target >= 0.8), then the time
from the start of the scan until every title has a poster and backdrop and every episode a still
(all from the fake).

    python bench/bench_metadata_scan.py               # 2,000 files
    python bench/bench_metadata_scan.py --files 400 --delay 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import sqlalchemy as sa  # noqa: E402
from aiohttp import web  # noqa: E402
from bench_scan import make_library  # noqa: E402

from mediaserver.app import create_app  # noqa: E402
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.db.catalog_schema import episodes, images, titles  # noqa: E402
from mediaserver.db.engine import create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.keys import db_key  # noqa: E402
from mediaserver.library.context import scanner_key  # noqa: E402
from mediaserver.library.libraries import create_library, get_library  # noqa: E402
from mediaserver.library.scan.scanner import Scanner  # noqa: E402
from tests.metadata.fakes import FakeProviders  # noqa: E402


def fake_catalog(movies: int, series: int) -> FakeProviders:
    """The fake knows every generated title: "Movie Number i" and "Series k" (2 seasons x 10)."""
    fake = FakeProviders(movies={}, tv={}, maze={})
    for i in range(movies):
        year = 1950 + i % 70
        fake.movies[10_000 + i] = {
            "id": 10_000 + i, "title": f"Movie Number {i}", "original_title": f"Movie Number {i}",
            "release_date": f"{year}-05-01", "overview": f"Overview {i}.", "tagline": "",
            "runtime": 90, "vote_average": 6.0, "popularity": 1.0, "imdb_id": None,
            "genres": [{"id": 18, "name": "Drama"}], "production_companies": [],
            "belongs_to_collection": None, "poster_path": f"/m{i}-poster.png",
            "backdrop_path": f"/m{i}-backdrop.png",
            "credits": {"cast": [{"name": f"Actor {i}", "character": "Lead", "order": 0,
                                  "profile_path": f"/a{i}.png"}], "crew": []},
            "images": {"posters": [], "backdrops": [], "logos": []},
            "release_dates": {"results": []},
        }  # fmt: skip
    for k in range(series):
        fake.tv[20_000 + k] = {
            "id": 20_000 + k, "name": f"Series {k}", "original_name": f"Series {k}",
            "first_air_date": "2010-01-01", "overview": f"Series {k}.", "tagline": "",
            "episode_run_time": [30], "in_production": False, "genres": [], "networks": [],
            "production_companies": [], "vote_average": 7.0, "popularity": 1.0,
            "poster_path": f"/s{k}-poster.png", "backdrop_path": f"/s{k}-backdrop.png",
            "credits": {"cast": [], "crew": []},
            "images": {"posters": [], "backdrops": [], "logos": []},
            "content_ratings": {"results": []}, "external_ids": {},
            "seasons": [{"season_number": n, "name": f"Season {n}", "overview": "",
                         "poster_path": None} for n in (1, 2)],
            "_episodes": {n: [{"episode_number": e, "season_number": n, "name": f"S{n}E{e} name",
                               "overview": "", "air_date": "2010-01-01", "runtime": 30,
                               "still_path": f"/s{k}-{n}-{e}.png"} for e in range(1, 11)]
                          for n in (1, 2)},
        }  # fmt: skip
    return fake


async def fresh(base: Path, name: str, media: Path, metadata: dict | None):  # noqa: ANN201
    overrides: dict = {
        "paths": {"data_dir": base / name}, "library": {"watch": False},
        "jobs": {"poll_seconds": 0.05}, "logging": {"access_log": False},
        "recommend": {"tagging_enabled": False, "intro_detection_enabled": False},
    }  # fmt: skip
    if metadata is not None:
        overrides["metadata"] = metadata
    settings = load_settings(environ={}, overrides=overrides)
    db = create_database(settings.database_url)
    await upgrade(db)
    ids = [
        await create_library(db, kind.title(), kind, [str(media / kind)], "on_the_fly")
        for kind in ("movies", "shows")
    ]
    await db.close()
    return settings, [library.id for library in ids]


async def reference(base: Path, media: Path) -> float:
    settings, ids = await fresh(base, "reference", media, None)
    db = create_database(settings.database_url)
    scanner = Scanner(db, settings)
    started = time.perf_counter()
    files = 0
    for library_id in ids:
        files += (await scanner.scan(await get_library(db, library_id))).files
    seconds = time.perf_counter() - started
    scanner.close()
    await db.close()
    return files / seconds


async def artwork_left(db) -> tuple[int, int]:  # noqa: ANN001
    """(titles without a selected poster or backdrop, episodes without a still)."""

    def has(kind: str, column: sa.Column) -> sa.Exists:
        return sa.select(images.c.id).where(
            column == (titles.c.id if column is images.c.title_id else episodes.c.id),
            images.c.kind == kind, images.c.is_selected.is_(True),
        ).exists()  # fmt: skip

    async with db.read() as conn:
        art = sa.and_(has("poster", images.c.title_id), has("fanart", images.c.title_id))
        t = await conn.scalar(sa.select(sa.func.count()).select_from(titles).where(~art))
        e = await conn.scalar(sa.select(sa.func.count()).select_from(episodes).where(
            ~has("thumb", images.c.episode_id)))  # fmt: skip
    return t or 0, e or 0


async def in_app(
    base: Path, media: Path, name: str, metadata: dict, wait_for_art: bool
) -> tuple[float, float | None]:
    """(scan files/s, seconds from the scan's start until all artwork is in)."""
    settings, ids = await fresh(base, name, media, metadata)
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()  # the cleanup contexts: database, job runner, scanner, metadata
    try:
        scanner, db = app[scanner_key], app[db_key]
        started = time.perf_counter()
        files = 0
        for library_id in ids:
            files += (await scanner.scan(await get_library(db, library_id))).files
        scan_rate = files / (time.perf_counter() - started)
        while wait_for_art:
            left = await artwork_left(db)
            if left == (0, 0):
                break
            if time.perf_counter() - started > 1800:
                raise SystemExit(f"artwork still missing after 30 min: {left}")
            await asyncio.sleep(0.5)
        return scan_rate, time.perf_counter() - started if wait_for_art else None
    finally:
        await runner.cleanup()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.05, help="the fake's answer delay (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-metadata-") as tmp:
        base = Path(tmp)
        media = base / "media"
        media.mkdir()
        paths = make_library(media, args.files)
        movies = args.files * 3 // 5
        fake = fake_catalog(movies, (args.files - movies + 19) // 20)
        fake.delay = args.delay
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        fake.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        try:
            ref = await reference(base, media)
            off, _ = await in_app(base, media, "off", {}, wait_for_art=False)
            on, artwork = await in_app(base, media, "on", fake.settings(tvmaze=False), True)
        finally:
            await runner.cleanup()
        print(f"files: {len(paths)}; fake provider answers {args.delay * 1000:.0f} ms late; "
              f"{len(fake.requests)} requests to it")  # fmt: skip
        print(f"first scan, scanner alone (reference): {ref:7.0f} files/s")
        print(f"first scan, app, providers off:        {off:7.0f} files/s")
        print(f"first scan, app, providers on:         {on:7.0f} files/s")
        print(f"ratio providers on / reference: {on / ref:.2f}   (target >= 0.8); "
              f"on / off: {on / off:.2f}")  # fmt: skip
        print(f"all titles with poster and backdrop, all episodes with a still: {artwork:.1f} s "
              "after the scan started")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
