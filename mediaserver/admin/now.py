"""The "now" snapshot of the dashboard: who watches what (from streaming's registry, with the
position and paused state the player last reported on its play), on-the-fly sessions, jobs, the
machine, storage, the encoder, and what needs the admin's attention."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.admin.dashboard import (
    Alert,
    EncoderNow,
    FolderSpace,
    JobNow,
    JobsNow,
    LiveSessionNow,
    NowSnapshot,
    PlayNow,
)
from mediaserver.admin.system_stats import UsageCache, read_folders, read_machine
from mediaserver.db.catalog_schema import media_files
from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.db.viewer_schema import plays
from mediaserver.keys import db_key
from mediaserver.packaging import encoder_status
from mediaserver.streaming import ActivePlay, active_plays, live_sessions

FAILED_WINDOW = 24 * 3600.0  # failed jobs this recent raise an alert
FAILED_READ = 1000  # failed jobs counted for the alert, at most
QUEUED_SHOWN = 5
RUNNING_SHOWN = 20
# A playing player reports every few seconds; one silent this long is not moving, whatever it
# said last, so its position is no longer carried forward.
REPORT_STALE_SECONDS = 30.0
ENCODE_JOB = "media.package"
# The player starts its play (a row) just after the playback decision registered the stream; an
# earlier row of the same profile and file belongs to an earlier play.
PLAY_START_SLACK = 5.0


@dataclass(frozen=True, slots=True)
class _Report:
    """What the player last said of its play (the latest play row of a profile and file)."""

    started_at: float
    position: float | None
    paused: bool
    at: float
    ended_at: float | None
    duration: float | None


async def _play_reports(
    db: Database, streams: Sequence[ActivePlay]
) -> dict[tuple[int, int], _Report]:
    """(profile, file) -> the player's latest report on its play of that file."""
    if not streams:
        return {}
    profiles = {s.profile_id for s in streams}
    files = {s.media_file_id for s in streams}
    since = min(s.started_at for s in streams) - PLAY_START_SLACK
    query = (
        sa.select(
            plays.c.profile_id,
            plays.c.media_file_id,
            plays.c.started_at,
            plays.c.position_seconds,
            plays.c.paused,
            plays.c.updated_at,
            plays.c.ended_at,
            media_files.c.duration_seconds,
        )
        .join(media_files, media_files.c.id == plays.c.media_file_id)
        .where(
            plays.c.profile_id.in_(profiles),
            plays.c.media_file_id.in_(files),
            plays.c.started_at >= since,
        )
        .order_by(plays.c.started_at)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    # Ordered by start: the latest play of each pair is the one left in the dict.
    return {(r[0], r[1]): _Report(r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows}


def _play_now(stream: ActivePlay, report: _Report | None, now: float) -> PlayNow:
    position: float | None = None
    paused: bool | None = None
    duration: float | None = None
    if report is not None:
        paused, duration = report.paused, report.duration
        if report.position is not None:
            position = report.position
            if not paused and now - report.at < REPORT_STALE_SECONDS:
                position += now - report.at  # it kept playing since it said so
            if duration:
                position = min(position, duration)
    return PlayNow(
        play_id=stream.play_id,
        user=stream.user_name,
        profile=stream.profile_name,
        title=stream.title,
        device=stream.device,
        client=stream.client,
        method=stream.method,
        reason=stream.reason,
        rung=stream.rung,
        bandwidth_bps=stream.bandwidth_bps or None,
        position_seconds=position,
        duration_seconds=duration,
        paused=paused,
        started_at=stream.started_at,
    )


async def plays_now(app: web.Application, now: float) -> tuple[PlayNow, ...]:
    streams = active_plays(app)
    reports = await _play_reports(app[db_key], streams)
    found = []
    for stream in streams:
        report = reports.get((stream.profile_id, stream.media_file_id))
        if report is not None and report.started_at < stream.started_at - PLAY_START_SLACK:
            report = None  # an earlier play of the same file: this one has not reported yet
        if report is not None and report.ended_at is not None:
            continue  # watched to the end: no longer playing, though its token still works
        found.append(_play_now(stream, report, now))
    return tuple(found)


def sessions_now(app: web.Application) -> tuple[LiveSessionNow, ...]:
    by_play = {p.play_id: p for p in active_plays(app)}
    found = []
    for session in live_sessions(app):
        play = by_play.get(session.play_id)
        found.append(
            LiveSessionNow(
                title=play.title if play else f"File {session.media_file_id}",
                user=play.user_name if play else "",
                mode=session.mode,
                rung=session.rung,
                running=session.running,
                segment=session.segment,
                fps=session.fps,
            )
        )
    return tuple(found)


def _job(row: sa.Row) -> JobNow:
    return JobNow(row.id, row.type, row.status, row.progress, row.fps, row.eta_seconds, row.message)


async def jobs_now(db: Database, now: float) -> tuple[JobsNow, list[sa.Row]]:
    """Running and queued jobs, and the jobs that failed in the last FAILED_WINDOW (newest
    first) for the alerts."""
    cols = [jobs.c[n] for n in ("id", "type", "status", "progress", "fps", "eta_seconds")]
    cols += [jobs.c.message, jobs.c.error, jobs.c.finished_at]
    async with db.read() as conn:
        running = (
            await conn.execute(
                sa.select(*cols)
                .where(jobs.c.status == "running")
                .order_by(jobs.c.started_at)
                .limit(RUNNING_SHOWN)
            )
        ).all()
        queued = (
            await conn.execute(
                sa.select(*cols)
                .where(jobs.c.status == "queued")
                .order_by(jobs.c.priority.desc(), jobs.c.run_after, jobs.c.id)
                .limit(QUEUED_SHOWN)
            )
        ).all()
        queued_count = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(jobs).where(jobs.c.status == "queued")
            )
        ).scalar_one()
        failed = (
            await conn.execute(
                sa.select(*cols)
                .where(jobs.c.status == "failed", jobs.c.finished_at >= now - FAILED_WINDOW)
                .order_by(jobs.c.finished_at.desc())
                .limit(FAILED_READ)
            )
        ).all()
    summary = JobsNow(
        running=tuple(_job(r) for r in running),
        queued=tuple(_job(r) for r in queued),
        queued_count=queued_count,
        failed_recently=len(failed),
    )
    return summary, list(failed)


def encoder_now(app: web.Application) -> EncoderNow | None:
    status = encoder_status(app)
    if status is None:
        return None
    return EncoderNow(
        encoder=status.active_encoder,
        hardware=status.hardware,
        requested=status.requested,
        reason=status.reason,
        detecting=status.detecting,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _hardware_lost(encoder: EncoderNow) -> bool:
    """A hardware encoder was named in the settings, but packaging encodes in software."""
    named = encoder.requested not in ("auto", "none")
    return named and not encoder.detecting and encoder.hardware is None


def alerts_for(
    failed: Sequence[sa.Row], folders: Iterable[FolderSpace], encoder: EncoderNow | None
) -> tuple[Alert, ...]:
    """What needs the admin: failed jobs and encodes, (nearly) full disks, a hardware encoder
    that was asked for but does not work."""
    found: list[Alert] = []
    encodes = [r for r in failed if r.type == ENCODE_JOB]
    others = [r for r in failed if r.type != ENCODE_JOB]
    if encodes:
        latest = encodes[0].error or "no reason given"
        found.append(
            Alert(
                "error",
                "encoder",
                f"{_plural(len(encodes), 'encode')} failed in the last 24 hours; the latest: "
                f"{latest}",
                "/admin/jobs?status=failed",
            )
        )
    if encoder is not None and _hardware_lost(encoder):
        found.append(
            Alert(
                "warning",
                "encoder",
                f"The {encoder.requested} hardware encoder does not work; encoding with "
                f"{encoder.encoder} instead. {encoder.reason}".strip(),
                "/admin/packaging",
            )
        )
    if others:
        latest = others[0]
        found.append(
            Alert(
                "error",
                "failed_jobs",
                f"{_plural(len(others), 'job')} failed in the last 24 hours; the latest: "
                f"{latest.type}: {latest.error or 'no reason given'}",
                "/admin/jobs?status=failed",
            )
        )
    for folder in folders:
        if folder.low and folder.free_bytes is not None:
            level = "error" if folder.free_bytes < 2**20 else "warning"
            found.append(
                Alert(
                    level,
                    "low_disk",
                    f"{folder.label} ({folder.path}) has {_size(folder.free_bytes)} free.",
                    None,
                )
            )
    return tuple(found)


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n // 2**20} MiB"


async def build_now(app: web.Application, usage: UsageCache) -> NowSnapshot:
    """One snapshot; file system reads run in threads, the rest are short queries."""
    now = time.time()
    db = app[db_key]
    machine = asyncio.to_thread(read_machine)
    (jobs_summary, failed), folders, storage, machine_now, plays_list = await asyncio.gather(
        jobs_now(db, now), read_folders(app), usage.get(app), machine, plays_now(app, now)
    )
    encoder = encoder_now(app)
    return NowSnapshot(
        at=now,
        plays=plays_list,
        live_sessions=sessions_now(app),
        jobs=jobs_summary,
        machine=machine_now,
        folders=folders,
        storage=storage,
        encoder=encoder,
        alerts=alerts_for(failed, folders, encoder),
    )
