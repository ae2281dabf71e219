"""The "metadata.refresh" job (titles matched, fetched and given artwork in the background), what
queues it (new titles from a scan, an admin's button, shows still airing) and its housekeeping."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from mediaserver.accounts import profile_languages
from mediaserver.jobs import JobContext, JobPayloadError
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.library import on_files_changed
from mediaserver.metadata import store
from mediaserver.metadata.fetch import RateLimited
from mediaserver.metadata.pick import missing_languages
from mediaserver.metadata.service import refresh_title

log = logging.getLogger(__name__)

REFRESH_JOB = "metadata.refresh"
TITLES_PER_JOB = 200
CONCURRENCY = 6
MAX_IDS = 5000


def parse_payload(payload: Any) -> tuple[list[int], bool]:
    if not isinstance(payload, dict) or not isinstance(payload.get("title_ids"), list):
        raise JobPayloadError("metadata.refresh needs {'title_ids': [...]}")
    ids = payload["title_ids"]
    if len(ids) > MAX_IDS or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise JobPayloadError("title_ids must be at most 5000 integers")
    return ids, bool(payload.get("rematch", False))


async def queue_refresh(
    app: web.Application, title_ids: list[int], *, rematch: bool = False
) -> int:
    """Queue the titles in jobs of TITLES_PER_JOB; returns how many jobs."""
    runner = app[jobs_key]
    chunks = [title_ids[i : i + TITLES_PER_JOB] for i in range(0, len(title_ids), TITLES_PER_JOB)]
    for chunk in chunks:
        await runner.enqueue_once(REFRESH_JOB, {"title_ids": chunk, "rematch": rematch})
    return len(chunks)


def make_handler(app: web.Application):
    async def refresh_job(ctx: JobContext) -> None:
        ids, rematch = parse_payload(ctx.payload)
        done = 0
        counts: dict[str, int] = {}
        slots = asyncio.Semaphore(CONCURRENCY)
        limited: list[RateLimited] = []
        left: list[int] = []

        async def one(title_id: int) -> None:
            nonlocal done
            async with slots:
                if limited:
                    left.append(title_id)
                    return
                ctx.raise_if_cancelled()
                try:
                    result = await refresh_title(app, title_id, rematch=rematch)
                except RateLimited as exc:
                    limited.append(exc)
                    left.append(title_id)
                    return
                counts[result.outcome] = counts.get(result.outcome, 0) + 1
                done += 1
                await ctx.progress(100.0 * done / len(ids), message=f"{done}/{len(ids)} titles")

        await asyncio.gather(*(one(i) for i in ids))
        summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
        if limited:
            wait = max(e.retry_after for e in limited)
            await app[jobs_key].enqueue(
                REFRESH_JOB, {"title_ids": sorted(left), "rematch": rematch},
                run_after=time.time() + wait,
            )  # fmt: skip
            summary += f"; rate limited: {len(left)} titles queued again in {wait:.0f} s"
        await ctx.progress(100, message=(summary or "nothing to do")[:400])

    return refresh_job


async def metadata_ctx(app: web.Application) -> AsyncIterator[None]:
    """After the job runner and the library: the handler, and new titles from scans."""
    app[jobs_key].register(REFRESH_JOB, make_handler(app), lane="light")

    async def files_changed(library_id: int, file_ids: list[int]) -> None:
        # Titles appear at the scan's pace; what the providers know arrives after, in a job.
        title_ids = await store.claim_titles_of_files(app[db_key], file_ids, time.time())
        if title_ids:
            await queue_refresh(app, title_ids)

    stop = on_files_changed(app, files_changed)
    try:
        yield
    finally:
        stop()


async def housekeeping(app: web.Application) -> int:
    """Queue shows still airing whose refresh is due, and titles whose artwork was never asked
    for in a language a profile has since chosen; drop expired cached answers."""
    now = time.time()
    due = set(await store.due_for_refresh(app[db_key], now))
    due |= await titles_missing_languages(app)
    if due:
        await queue_refresh(app, sorted(due))
    return await store.purge(app[db_key], now)


async def titles_missing_languages(app: web.Application) -> set[int]:
    db = app[db_key]
    languages = await profile_languages(db)
    if not languages:
        return set()
    server = app[config_key].metadata.language
    return {
        title_id
        for title_id, asked in await store.art_languages_of_matched(db)
        if missing_languages(asked, server, languages)
    }
