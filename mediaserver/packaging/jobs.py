"""The "media.package" job: a media file becomes a published ladder, all of it or nothing.

Payload: {"media_file_id": int}. Steps:

1. Load the file and its library's policy; a file that is gone ends the job quietly.
2. Work in data_dir/work/<job id> (made fresh; removed at the end whatever happens): the blocking
   part (`work.package_into`) runs in a thread; its progress becomes the job's percent, fps and
   ETA; cancellation reaches it through `should_stop`.
3. Upload the tree under "staging/<job id>/" and `publish_prefix` it to "ladders/<id>" in one
   step, then record the ladder and the poster candidates in one transaction.

A crash or kill -9 anywhere leaves at most a work folder and a staging prefix named after a job
that is no longer running; `packaging_ctx` removes those at start-up and the queue runs the job
again. Readers of "ladders/<id>" see the old ladder or the new one, never a mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web

from mediaserver import library
from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.errors import OutOfSpace, is_disk_full
from mediaserver.jobs import Handler, JobCancelled, JobContext, JobPayloadError
from mediaserver.keys import config_key, db_key, jobs_key, storage_key
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.packaging import store
from mediaserver.packaging.hwaccel import HwaccelState, hwaccel_key
from mediaserver.packaging.leftovers import cleanup_leftovers, work_root
from mediaserver.packaging.paths import ladder_prefix, staging_prefix
from mediaserver.packaging.publish import published_ladder
from mediaserver.packaging.reconcile import PACKAGE_JOB, reconcile_packaging
from mediaserver.packaging.records import Ladder
from mediaserver.packaging.work import (
    TRICKPLAY_END,
    Output,
    PackagingFailed,
    Plan,
    Report,
    Stopped,
    package_into,
)
from mediaserver.safe_paths import file_inside
from mediaserver.storage.base import Storage

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress reports read from the worker thread
STOP_WAIT = 60.0  # seconds a stopped job waits for its thread before leaving the rest to start-up
UPLOAD_CONCURRENCY = 8
BACKGROUND_NICE = 10  # added to the encoding thread's nice value (Linux)
NEARLY_FULL_BYTES = 64 << 20  # less room than this after a failed packaging: the disk was full


def parse_payload(payload: Any) -> int:
    media_file_id = payload.get("media_file_id") if isinstance(payload, dict) else None
    if not isinstance(media_file_id, int) or isinstance(media_file_id, bool) or media_file_id < 1:
        raise JobPayloadError("media.package needs a positive integer media_file_id")
    return media_file_id


async def enqueue_package(app: web.Application, media_file_id: int) -> int:
    """Queue packaging of one media file; the ladders row shows "queued" at once (written
    before the job exists, so it can never overwrite the "running" of a job that started)."""
    await store.set_status(app[db_key], media_file_id, "queued")
    # Asked again before it started: the same job. A running one may be encoding what the file
    # was before it changed, so it does not count.
    payload = {"media_file_id": media_file_id}
    queued = await app[jobs_key].enqueue_once(PACKAGE_JOB, payload, merge_running=False)
    return queued.job_id


async def enqueue_for_policy(app: web.Application, media_file_ids: Iterable[int]) -> list[int]:
    """Queue the files whose library policy is preencode or hybrid (the scanner's hook)."""
    wanted = await store.packaged_policy_files(app[db_key], media_file_ids)
    return [await enqueue_package(app, file_id) for file_id in wanted]


def ladder_profile(settings: Settings, hardware: str | None = None) -> LadderProfile:
    """The ladder settings from the `[transcoding]` section, with the detected hardware kind."""
    return LadderProfile.from_settings(settings.transcoding, hardware)


class Packager:
    """Runs "media.package" jobs for one process."""

    def __init__(
        self,
        db: Database,
        storage: Storage,
        settings: Settings,
        hwaccel: HwaccelState | None = None,
    ) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings
        self.hwaccel = hwaccel

    def handler(self) -> Handler:
        return self.run

    async def run(self, ctx: JobContext) -> None:
        media_file_id = parse_payload(ctx.payload)
        source = await store.load_source(self.db, media_file_id, self.settings.paths.data_dir)
        real = (
            None
            if source is None
            else await asyncio.to_thread(file_inside, source.path, source.roots)
        )
        if source is None or real is None or source.removed or source.status != "ok":
            await ctx.progress(100, message="the file is gone or could not be read; skipped")
            return
        job_id = ctx.job.id
        hardware = (await self.hwaccel.ready()).hardware if self.hwaccel is not None else None
        profile = ladder_profile(self.settings, hardware)
        work_dir = work_root(self.settings) / str(job_id)
        staging = staging_prefix(job_id)
        published = False
        await store.set_status(self.db, media_file_id, "running", job_id=job_id)
        try:
            await _fresh_dir(work_dir)
            await self.storage.delete_prefix(staging)  # a previous attempt's leftovers
            plan = Plan(Path(real), source.roots, source.subtitles, profile)
            output = await self._work(ctx, plan, work_dir / "out")
            await ctx.progress(TRICKPLAY_END, message="publishing")
            await self._upload(work_dir / "out", staging)
            ctx.raise_if_cancelled()
            final = ladder_prefix(media_file_id, job_id)
            previous = await store.get_ladder(self.db, media_file_id)
            await self.storage.publish_prefix(staging, final)
            published = True
            ladder = published_ladder(output, final, output.encoder or profile.encoder)
            # Shielded: once published, a cancel arriving now must not leave the row behind.
            await asyncio.shield(store.record_published(self.db, source, ladder))
            await _drop_previous(self.storage, previous, final)
            await ctx.progress(100, message=f"published {len(ladder.rungs)} rungs")
        except BaseException as exc:
            full = await _out_of_space(exc, work_dir)
            if not published:
                await _quietly(self._record_failure(ctx, media_file_id, full or exc))
            if full is not None:
                raise full from exc  # retried later, when there may be room again
            raise
        finally:
            await _cleanup(self.storage, work_dir, None if published else staging)

    async def _record_failure(self, ctx: JobContext, media_file_id: int, exc: BaseException):
        if ctx.stop_reason in (None, "cancel") and not isinstance(
            exc, asyncio.CancelledError | JobCancelled | Stopped
        ):
            reason = str(exc) if isinstance(exc, PackagingFailed | OutOfSpace) else _describe(exc)
            await store.set_status(self.db, media_file_id, "failed", error=reason)
        elif ctx.stop_reason == "cancel":
            await store.set_status(self.db, media_file_id, "failed", error="cancelled")
        else:  # shut down or taken over: the queue runs it again
            await store.set_status(self.db, media_file_id, "queued")

    async def _work(self, ctx: JobContext, plan: Plan, out_dir: Path) -> Output:
        """Run package_into in a thread; report its progress; on cancellation stop the thread
        and wait for it, so nothing writes into the work folder once it is removed."""
        latest: list[tuple[float, float | None, float | None, str]] = []
        stop = threading.Event()

        def report(percent: float, fps: float | None, eta: float | None, msg: str) -> None:
            latest.append((percent, fps, eta, msg))
            del latest[:-1]

        def should_stop() -> bool:
            return stop.is_set() or ctx.is_cancelled

        await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        # Its own thread, not the shared default pool: the thread lowers its priority (and the
        # encoder threads it starts inherit it), which must not leak into unrelated work.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"package-{ctx.job.id}")
        future = loop.run_in_executor(pool, _in_background, plan, out_dir, report, should_stop)
        pool.shutdown(wait=False)
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=PROGRESS_EVERY)
                if latest:
                    percent, fps, eta, msg = latest[-1]
                    await ctx.progress(percent, fps=fps, eta=eta, message=msg)
                if done:
                    return future.result()
        except asyncio.CancelledError:
            stop.set()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(future), STOP_WAIT)
            raise

    async def _upload(self, out_dir: Path, staging: str) -> None:
        files = await asyncio.to_thread(_list_files, out_dir)
        limit = asyncio.Semaphore(UPLOAD_CONCURRENCY)

        async def put(rel: str) -> None:
            async with limit:
                await self.storage.put_file(f"{staging}/{rel}", out_dir / rel)

        # A TaskGroup, not gather: when one upload fails the others are cancelled before the
        # staging prefix is deleted, so none can land after the clean-up.
        try:
            async with asyncio.TaskGroup() as group:
                for rel in files:
                    group.create_task(put(rel))
        except BaseExceptionGroup as group_error:  # the first failure is the job's reason
            raise group_error.exceptions[0] from None


def _in_background(
    plan: Plan, out_dir: Path, report: Report, should_stop: Callable[[], bool]
) -> Output:
    """package_into at a lower CPU priority: with every core busy encoding, the event loop's
    thread (normal priority) still gets the CPU at once, so requests stay fast. On Linux the
    nice value is per thread and inherited by the encoder threads FFmpeg starts from here."""
    if sys.platform == "linux" and BACKGROUND_NICE:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
    return package_into(plan, out_dir, report, should_stop)


async def _out_of_space(exc: BaseException, work_dir: Path) -> OutOfSpace | None:
    """OutOfSpace when the disk being full is why packaging failed: said by the error, or, since
    a muxer can lose a write error and fail later on what it wrote ("box mdat overruns its
    parent"), by the work folder's disk having next to no room left."""
    if is_disk_full(exc):
        return OutOfSpace()
    if isinstance(exc, PackagingFailed) and await asyncio.to_thread(_nearly_full, work_dir):
        return OutOfSpace()
    return None


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path if path.exists() else path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _list_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def _fresh_dir(path: Path) -> None:
    def make() -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)

    await asyncio.to_thread(make)


async def _quietly(aw: Any) -> None:
    try:
        await asyncio.shield(aw)
    except Exception as exc:  # the job's own error matters more than this bookkeeping
        log.warning("could not record a ladder's status: %s", exc)


async def _cleanup(storage: Storage, work_dir: Path, staging: str | None) -> None:
    async def run() -> None:
        await asyncio.to_thread(shutil.rmtree, work_dir, True)
        if staging is not None:
            await storage.delete_prefix(staging)

    try:
        await asyncio.shield(run())
    except Exception as exc:  # start-up cleanup removes what is left
        log.warning("could not clean up after packaging job (%s): %s", work_dir.name, exc)


# -- the app context ------------------------------------------------------------------------------


async def _drop_previous(storage: Storage, previous: Ladder | None, final: str) -> None:
    """Remove the ladder this publish replaced. A player still on it gets 404 and asks for a
    fresh playback URL (the web player does so and resumes where it was)."""
    old = previous.storage_prefix if previous is not None else None
    if old and old != final and not final.startswith(old + "/"):
        await _quietly(storage.delete_prefix(old))


async def packaging_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx after jobs_ctx and library_ctx: clean leftovers, register "media.package",
    queue packaging when a scan commits new or changed files, and (in the background) queue
    what a crash or a CLI scan left without a job (`reconcile_packaging`)."""
    settings, db, storage = app[config_key], app[db_key], app[storage_key]
    await cleanup_leftovers(db, storage, settings)
    packager = Packager(db, storage, settings, app.get(hwaccel_key))
    app[jobs_key].register(PACKAGE_JOB, packager.handler())
    # The hook and the reconcile never run at once, so neither queues what the other just did.
    one_at_a_time = asyncio.Lock()

    async def on_files_changed(library_id: int, media_file_ids: list[int]) -> None:
        started = time.monotonic()
        async with one_at_a_time:
            queued = await enqueue_for_policy(app, media_file_ids)
        if queued:
            log.info(
                "library %s: queued packaging of %d file(s) in %.2fs",
                library_id,
                len(queued),
                time.monotonic() - started,
            )

    async def reconcile() -> None:
        try:
            async with one_at_a_time:
                await reconcile_packaging(db, enqueue=app[jobs_key].enqueue)
        except Exception:  # the next start-up tries again
            log.exception("could not queue packaging of files without a ladder")

    stop_listening = library.on_files_changed(app, on_files_changed)
    task = asyncio.create_task(reconcile(), name="packaging-reconcile")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        stop_listening()
