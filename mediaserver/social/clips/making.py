"""Making a clip: the packaged ladder's best rung up to 1080p and its default audio (only the
segments the range needs are read from storage), or the source file of an on-the-fly title; the
cut runs in a worker thread of a "clips.make" job of the durable queue (so a restart does not lose
it), its files go to storage under clips/<id>/. The clip is "playable" as soon as its HLS
playlist and poster are stored; the job then writes the MP4 download from the same packets and
marks it "ready"."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from mediaserver.jobs import JobContext
from mediaserver.keys import db_key, jobs_key, storage_key
from mediaserver.media.clips import ClipCutError, PlayableClip, start_clip
from mediaserver.media.clips.segments import (
    first_frame_time,
    playlist_segments,
    segments_for_range,
)
from mediaserver.packaging import Ladder, get_ladder
from mediaserver.social.clips import store
from mediaserver.social.clips.records import Clip
from mediaserver.storage import Storage

log = logging.getLogger(__name__)
MAX_HEIGHT = 1080
MAKE_JOB = "clips.make"
ORIGINS = 64  # ladders whose first-frame time is remembered
# A ladder's first-frame time never changes once published: read once, not per clip.
origins_key: web.AppKey[dict[str, float]] = web.AppKey("clip_origins", dict)


async def _joined(storage: Storage, folder: str, start: float, end: float, target: Path) -> str:
    """init.mp4 and the segments overlapping the range, one after the other: read where they
    lie when storage keeps them as local files (FFmpeg's concat: protocol, nothing copied),
    else copied into `target`. What PyAV opens."""
    playlist = (await (await storage.open_range(f"{folder}/index.m3u8")).read_all()).decode()
    keys = [f"{folder}/{name}" for name in ["init.mp4", *(s.uri for s in segments_for_range(
        playlist_segments(playlist), start, end))]]  # fmt: skip
    paths = await asyncio.gather(*(storage.local_path(key) for key in keys))
    if all(p is not None and "|" not in str(p) for p in paths):
        return "concat:" + "|".join(str(p) for p in paths)
    with target.open("wb") as out:
        for key in keys:
            out.write(await (await storage.open_range(key)).read_all())
    return str(target)


Inputs = tuple[str, str | None, float | None]  # video, separate audio (what PyAV opens), origin


async def _origin(app: web.Application, video_folder: str, work: Path) -> float:
    """The title's 0:00: when the rung's first frame is shown (see first_frame_time); read from
    storage once per ladder."""
    origins = app[origins_key]
    if video_folder not in origins:
        first = await _joined(app[storage_key], video_folder, 0.0, 0.001, work / "first.mp4")
        origin = await asyncio.to_thread(first_frame_time, first)
        if len(origins) >= ORIGINS:
            origins.pop(next(iter(origins)))
        origins[video_folder] = origin
    return origins[video_folder]


async def _inputs(app: web.Application, clip: Clip, work: Path) -> Inputs:
    ladder: Ladder | None = await get_ladder(app[db_key], clip.media_file_id)
    if ladder is not None and ladder.published and ladder.rungs:
        rungs = sorted(ladder.rungs, key=lambda r: r.height)
        rung = ([r for r in rungs if r.height <= MAX_HEIGHT] or rungs[:1])[-1]
        storage, prefix = app[storage_key], ladder.storage_prefix
        video_folder = f"{prefix}/video/{rung.name}"
        reads = [_joined(storage, video_folder, clip.start, clip.end, work / "video.mp4")]
        if ladder.audio:
            track = next((a for a in ladder.audio if a.default), ladder.audio[0])
            audio_folder = f"{prefix}/audio/{track.name}"
            reads.append(_joined(storage, audio_folder, clip.start, clip.end, work / "audio.mp4"))
        (video, *audio), origin = await asyncio.gather(
            asyncio.gather(*reads), _origin(app, video_folder, work)
        )
        return video, audio[0] if audio else None, origin
    facts = await store.file_facts(app[db_key], clip.media_file_id)
    return facts.path, None, None


async def _store_playable(app: web.Application, clip: Clip, playable: PlayableClip) -> str:
    """The playlist, its segments and the poster to storage, side by side; the clip playable."""
    result, prefix = playable.result, f"clips/{clip.id}"
    storage = app[storage_key]
    await asyncio.gather(
        *(storage.put_file(f"{prefix}/hls/{name}", result.playlist.parent / name)
          for name in result.hls_files),
        storage.put_file(f"{prefix}/poster.jpg", result.poster),
    )  # fmt: skip
    await store.finish(app[db_key], clip.id, status="playable", storage_prefix=prefix,
                       duration_seconds=result.duration, width=result.width,
                       height=result.height)  # fmt: skip
    return prefix


async def make_clip(app: web.Application, clip: Clip) -> None:
    """Cut the clip, store what plays it (playable), then its MP4 (ready); or mark it failed,
    with the reason."""
    work = Path(tempfile.mkdtemp(prefix="clip-"))
    playable: PlayableClip | None = None
    try:
        video, audio, origin = await _inputs(app, clip, work)
        playable = await asyncio.to_thread(
            start_clip, video, clip.start, clip.end, work / "out", audio=audio, origin=origin,
            max_height=MAX_HEIGHT,
        )  # fmt: skip
        prefix = await _store_playable(app, clip, playable)
        mp4 = await asyncio.to_thread(playable.write_mp4)
        await app[storage_key].put_file(f"{prefix}/clip.mp4", mp4)
        await store.finish(app[db_key], clip.id, status="ready", ready_at=store.now())
    # PyAV reports unreadable media as ValueError subclasses (InvalidDataError): the clip has
    # failed for good, and saying so beats a job that retries and leaves it "queued".
    except (ClipCutError, OSError, ValueError) as exc:
        log.warning("clip %s could not be made: %s", clip.slug, exc)
        await store.finish(app[db_key], clip.id, status="failed", error=str(exc)[:500])
    finally:
        if playable is not None:
            playable.close()
        shutil.rmtree(work, ignore_errors=True)


def make_handler(app: web.Application):  # noqa: ANN201 - a jobs Handler
    """The "clips.make" job: make the clip named in the payload, unless it was deleted or made
    meanwhile (a clip left playable by a stop before its MP4 is made again)."""

    async def make(ctx: JobContext) -> None:
        clip = await store.by_id(app[db_key], int(ctx.payload["clip_id"]))
        if clip is None or clip.status not in store.UNFINISHED:
            return
        await make_clip(app, clip)
        await ctx.progress(100, message=f"clip {clip.slug}")

    return make


async def queue_making(app: web.Application, clip_id: int) -> None:
    """Queue the clip's making in the durable job queue (a restart resumes it)."""
    await app[jobs_key].enqueue_once(MAKE_JOB, {"clip_id": clip_id})


async def clips_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the "clips.make" handler on the process's job runner; clips left queued
    without a job (a stop between saving the clip and queueing it) are queued again."""
    app[origins_key] = {}
    app[jobs_key].register(MAKE_JOB, make_handler(app), lane="light")
    for clip_id in await store.waiting(app[db_key]):
        await queue_making(app, clip_id)
    yield
