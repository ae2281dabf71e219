"""The "recommend.intro" job: detect the intro and credits of one season.

Payload: {"season_id": int}. Queued when a scan commits new or changed episode files (for their
seasons) and on demand from the admin page or the API. Decoding and matching run in a thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from mediaserver import library
from mediaserver.jobs import Job, JobContext, JobPayloadError, JobSubject
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.recommend.intro import store
from mediaserver.recommend.intro.detect import Episode, Options, detect_season
from mediaserver.safe_paths import file_inside, library_roots

log = logging.getLogger(__name__)
INTRO_JOB = "recommend.intro"


def parse_payload(payload: dict[str, Any]) -> int:
    season_id = payload.get("season_id")
    if isinstance(season_id, bool) or not isinstance(season_id, int) or season_id < 1:
        raise JobPayloadError("payload needs 'season_id' (a season id)")
    return season_id


def _readable(files: list[store.SourceFile], data_dir: Path) -> list[Episode]:
    """The files still inside their library's roots (blocking)."""
    out = []
    for f in files:
        real = file_inside(f.path, library_roots(f.library_paths, f.library_id, data_dir))
        if real is not None:
            out.append(Episode(f.media_file_id, Path(real)))
    return out


async def run_job(app: web.Application, ctx: JobContext) -> None:
    season_id = parse_payload(ctx.payload)
    db, settings = app[db_key], app[config_key]
    files = await store.season_files(db, season_id)
    episodes = await asyncio.to_thread(_readable, files, settings.paths.data_dir)
    if len(episodes) < 2:
        await ctx.progress(100, message="fewer than two episodes to compare; skipped")
        return
    await ctx.progress(5, message=f"comparing {len(episodes)} episodes")
    conf = settings.recommend
    options = Options(
        intro_minutes=conf.intro_search_minutes,
        credits_minutes=conf.credits_search_minutes,
        min_seconds=conf.intro_min_seconds,
    )
    found = await asyncio.to_thread(detect_season, episodes, options)
    changed = await store.save(db, season_id, found)
    intros = sum(f.intro is not None for f in found)
    message = f"intro in {intros}/{len(found)} episodes; {changed} marker(s) changed"
    log.info("season %s: %s", season_id, message)
    await ctx.progress(100, message=message)


async def describe_jobs(app: web.Application, jobs: Sequence[Job]) -> dict[int, JobSubject]:
    """The jobs page's name for detection jobs: the series and season."""
    wanted = {
        j.id: j.payload["season_id"]
        for j in jobs
        if j.type == INTRO_JOB
        and isinstance(j.payload, dict)
        and isinstance(j.payload.get("season_id"), int)
    }
    names = await store.season_names(app[db_key], sorted(set(wanted.values())))
    return {job_id: JobSubject(title=names[s]) for job_id, s in wanted.items() if s in names}


async def enqueue_detection(
    app: web.Application, season_id: int, *, merge_running: bool = True
) -> int:
    """Queue detection for a season (one already queued or running is reused)."""
    queued = await app[jobs_key].enqueue_once(
        INTRO_JOB, {"season_id": season_id}, merge_running=merge_running
    )
    return queued.job_id


async def intro_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx after jobs_ctx and library_ctx: register the job and queue it for the seasons
    of the episode files each scan adds or changes."""
    app[jobs_key].register(INTRO_JOB, lambda ctx: run_job(app, ctx))

    async def on_files_changed(library_id: int, media_file_ids: list[int]) -> None:
        if not app[config_key].recommend.intro_detection_enabled:
            return
        for season_id in await store.seasons_of_files(app[db_key], media_file_ids):
            # A running job may have listed the season before these files: queue another.
            await enqueue_detection(app, season_id, merge_running=False)

    stop_listening = library.on_files_changed(app, on_files_changed)
    try:
        yield
    finally:
        stop_listening()
