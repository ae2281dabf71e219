"""The "recommend.tag" job: analyse one title and store its suggested tags.

Payload: {"title_id": int}. Queued when a scan commits new or changed files (for their titles)
and on demand from the admin page or the API. The analysis runs in a thread; with an Anthropic
key, Claude's answer is added to the offline suggestions (or, when it fails, the offline ones
are kept and the reason is stored with the analysis)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from mediaserver import library
from mediaserver.db.catalog_schema import episodes, media_files
from mediaserver.jobs import JobContext, JobPayloadError
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.recommend.tagging import store
from mediaserver.recommend.tagging.analysis import MediaAnalysis, analyse
from mediaserver.recommend.tagging.claude import ClaudeAnswer, Fallback, ask_claude
from mediaserver.recommend.tagging.inputs import TitleInput, load_input
from mediaserver.recommend.tagging.records import Source
from mediaserver.recommend.tagging.vocabulary import Suggestion, kind_of, normalise_tag

log = logging.getLogger(__name__)

TAG_JOB = "recommend.tag"
CLAUDE_SCORE = 0.8


def parse_payload(payload: Any) -> int:
    title_id = payload.get("title_id") if isinstance(payload, dict) else None
    if not isinstance(title_id, int) or isinstance(title_id, bool) or title_id < 1:
        raise JobPayloadError("recommend.tag needs a positive integer title_id")
    return title_id


def _claude_suggestions(answer: ClaudeAnswer) -> list[Suggestion]:
    out: list[Suggestion] = []
    for raw in answer.tags:
        if tag := normalise_tag(raw):
            out.append(Suggestion(tag, kind_of(tag), CLAUDE_SCORE))
    for raw in answer.content_notes:
        if tag := normalise_tag(raw):
            out.append(Suggestion(tag, "content", CLAUDE_SCORE))
    return out


async def _with_claude(
    app: web.Application, found: TitleInput, result: MediaAnalysis
) -> tuple[list[tuple[Suggestion, Source]], dict[str, Any]]:
    """The suggestions to store and the analysis row's summary, rating, source and note."""
    settings = app[config_key].recommend
    offline: list[tuple[Suggestion, Source]] = [(s, "offline") for s in result.suggestions]
    extra: dict[str, Any] = {
        "source": "offline",
        "summary": None,
        "suggested_rating": None,
        "note": None,
    }
    if not settings.anthropic_api_key.get_secret_value():
        return offline, extra
    answer = await ask_claude(
        settings, found.title, found.media.description, result.excerpt, result.keyframes
    )
    if isinstance(answer, Fallback):
        return offline, extra | {"note": answer.reason[:500]}
    claude: list[tuple[Suggestion, Source]] = [(s, "claude") for s in _claude_suggestions(answer)]
    return offline + claude, extra | {
        "source": "claude",
        "summary": answer.summary,
        "suggested_rating": answer.maturity_rating,
    }


async def tag_title(app: web.Application, title_id: int, ctx: JobContext | None = None) -> bool:
    """Analyse one title and store its suggestions; False when the title is gone."""
    settings = app[config_key]
    found = await load_input(app[db_key], title_id, settings.paths.data_dir)
    if found is None:
        return False
    section = settings.recommend
    keyframes = section.anthropic_keyframes if section.anthropic_api_key.get_secret_value() else 0
    started = time.monotonic()
    result = await asyncio.to_thread(
        analyse,
        found.media,
        fps=section.tagging_sample_fps,
        max_seconds=section.tagging_max_seconds,
        keyframes=keyframes,
        should_stop=(lambda: ctx.is_cancelled) if ctx is not None else (lambda: False),
    )
    if ctx is not None:
        ctx.raise_if_cancelled()
        await ctx.progress(80, message="analysed; asking Claude" if keyframes else "analysed")
    suggestions, extra = await _with_claude(app, found, result)
    row = {"features": result.features, "seconds": round(time.monotonic() - started, 2), **extra}
    async with app[db_key].write() as conn:
        await store.save_analysis(conn, title_id, found.media_file_id, row, suggestions)
    log.info(
        "tagged title %d (%s) in %.1fs: %d suggestion(s) from %s",
        title_id,
        found.title,
        row["seconds"],
        len(suggestions),
        extra["source"],
    )
    return True


async def run_job(app: web.Application, ctx: JobContext) -> None:
    title_id = parse_payload(ctx.payload)
    if not await tag_title(app, title_id, ctx):
        await ctx.progress(100, message="the title is gone; skipped")


async def enqueue_tagging(app: web.Application, title_ids: Iterable[int]) -> list[int]:
    """Queue analysis of these titles (one job per title; one already queued is reused)."""
    jobs = []
    for title_id in dict.fromkeys(title_ids):
        queued = await app[jobs_key].enqueue_once(TAG_JOB, {"title_id": title_id})
        jobs.append(queued.job_id)
    return jobs


async def titles_of_files(app: web.Application, media_file_ids: list[int]) -> list[int]:
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    query = (
        sa.select(owner)
        .distinct()
        .select_from(media_files.outerjoin(episodes, episodes.c.id == media_files.c.episode_id))
        .where(
            media_files.c.id.in_(media_file_ids),
            owner.is_not(None),
            media_files.c.extra_kind.is_(None),
        )
    )
    async with app[db_key].read() as conn:
        return [int(i) for i in (await conn.execute(query)).scalars()]


async def tagging_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx after jobs_ctx and library_ctx: register the job and queue it for the titles
    of the files each scan adds or changes."""
    app[jobs_key].register(TAG_JOB, lambda ctx: run_job(app, ctx))

    async def on_files_changed(library_id: int, media_file_ids: list[int]) -> None:
        if not app[config_key].recommend.tagging_enabled:
            return
        queued = await enqueue_tagging(app, await titles_of_files(app, media_file_ids))
        if queued:
            log.info("library %s: queued tagging of %d title(s)", library_id, len(queued))

    stop_listening = library.on_files_changed(app, on_files_changed)
    try:
        yield
    finally:
        stop_listening()
