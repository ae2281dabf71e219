"""bench_clips' job path: a clip made by the server itself, from the request to playable.

Runs the real application (create_app on SQLite and local storage, its job runner started by
its own start-up), copies a packaged ladder into its storage and publishes it for one title, then
for each run calls the clips service's `create` (what POST /api/v1/clips calls once it has read
the request: checks, the row, the "clips.make" job queued in the durable queue) and watches the
clip's row until it says "playable" and then "ready".
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import get_profile
from mediaserver.app import create_app
from mediaserver.config_loading import load_settings
from mediaserver.db.catalog_schema import libraries, media_files, titles
from mediaserver.db.packaging_schema import ladders
from mediaserver.db.schema import profiles, users
from mediaserver.keys import db_key, storage_key
from mediaserver.social.clips import service, store

POLL_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class JobRun:
    playable: float  # seconds from the request until the clip plays
    ready: float  # ... until its MP4 is stored too


async def _seed(app: web.Application, ladder: Path, duration: float) -> tuple[int, int, int]:
    """A user, a profile, a movie whose file has the ladder published; (user, profile, file)."""
    now = time.time()
    db = app[db_key]
    async with db.write() as conn:
        lib = (await conn.execute(sa.insert(libraries).values(
            name="Bench", kind="movies", paths=[], created_at=now, updated_at=now
        ).returning(libraries.c.id))).scalar_one()  # fmt: skip
        title = (await conn.execute(sa.insert(titles).values(
            library_id=lib, kind="movie", title="Clip bench", sort_title="clip bench",
            provider_ids={}, locked_fields=[], source_key="clip-bench", added_at=now,
            updated_at=now, maturity_rating="PG",
        ).returning(titles.c.id))).scalar_one()  # fmt: skip
        file_id = (await conn.execute(sa.insert(media_files).values(
            library_id=lib, path="/bench.mkv", display_path="/bench.mkv", size=1, mtime=now,
            title_id=title, duration_seconds=duration, first_seen_at=now, last_seen_at=now,
        ).returning(media_files.c.id))).scalar_one()  # fmt: skip
        user = (await conn.execute(sa.insert(users).values(
            username="bench", username_key="bench", password_hash="x", created_at=now,
            updated_at=now,
        ).returning(users.c.id))).scalar_one()  # fmt: skip
        profile = (await conn.execute(sa.insert(profiles).values(
            user_id=user, name="Bench", avatar="blue", created_at=now
        ).returning(profiles.c.id))).scalar_one()  # fmt: skip
    prefix = f"ladders/{file_id}/v1"
    for path in sorted(ladder.rglob("*")):
        if path.is_file():
            await app[storage_key].put_file(f"{prefix}/{path.relative_to(ladder)}", path)
    rung = next((ladder / "video").iterdir())
    track = next((ladder / "audio").iterdir())
    height = int(rung.name.rstrip("p"))
    async with db.write() as conn:
        await conn.execute(ladders.insert().values(
            media_file_id=file_id, status="ready", storage_prefix=prefix,
            rungs=[{"name": rung.name, "width": height * 16 // 9, "height": height}],
            audio=[{"name": track.name, "source_index": 1, "default": True}], subtitles=[],
            posters=[], created_at=now, updated_at=now, published_at=now,
        ))  # fmt: skip
    return user, profile, file_id


async def _until(app: web.Application, clip_id: int, statuses: tuple[str, ...]) -> str:
    while True:
        clip = await store.by_id(app[db_key], clip_id)
        if clip is not None and clip.status in (*statuses, "failed"):
            return clip.status
        await asyncio.sleep(POLL_SECONDS)


async def job_path_runs(
    ladder: Path, start: float, end: float, runs: int, work: Path
) -> list[JobRun]:
    """`runs` clips of [start, end) made by the server's job, each timed."""
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="job-", dir=work) as tmp:
        settings = load_settings(environ={}, overrides={
            "paths": {"data_dir": Path(tmp) / "data", "cache_dir": Path(tmp) / "cache"},
            "database": {"url": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"},
            "library": {"watch": False, "rescan_minutes": 0},
            "logging": {"access_log": False},
        })  # fmt: skip
        app = create_app(settings)
        runner = web.AppRunner(app)
        await runner.setup()  # start-up: migrations, the job runner, the clips job handler
        try:
            user, profile_id, file_id = await _seed(app, ladder, end + 30)
            profile = await get_profile(app[db_key], user, profile_id)
            found = []
            for run in range(runs):
                began = time.perf_counter()
                clip = await service.create(app, profile, file_id, start, end, f"Run {run}",
                                            "users")  # fmt: skip
                status = await _until(app, clip.id, ("playable", "ready"))
                playable = time.perf_counter() - began
                if status == "failed":
                    raise RuntimeError(
                        f"the clip failed: {(await store.by_id(app[db_key], clip.id))}"
                    )
                await _until(app, clip.id, ("ready",))
                found.append(JobRun(playable, time.perf_counter() - began))
                print(f"  job path: playable {found[-1].playable:.2f} s, "
                      f"ready {found[-1].ready:.2f} s")  # fmt: skip
            return found
        finally:
            await runner.cleanup()
