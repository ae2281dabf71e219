"""Plays and their quality of experience (table plays), as the player reports them.

The player creates a play when playback starts and then reports running totals (time to first
frame, rebuffers, rung switches, seconds watched, a fatal error) at milestones and on unload.
Totals only grow: a late or repeated beacon never makes the figures go backwards.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import plays
from mediaserver.errors import BadRequest, NotFound
from mediaserver.keys import config_key, db_key

PlayMethod = Literal["ladder", "direct", "remux", "transcode"]
METHODS: tuple[PlayMethod, ...] = get_args(PlayMethod)
MAX_RUNGS = 20
MAX_RUNG_NAME = 32
MAX_ERROR = 500
# Bounds a real player cannot exceed; anything larger is refused as a bad report.
LIMITS = {
    "time_to_first_frame_ms": 10 * 60 * 1000,
    "rebuffer_count": 100_000,
    "rebuffer_seconds": 48 * 3600,
    "rung_switches": 100_000,
    "seconds_watched": 48 * 3600,
}
INTEGER_FIELDS = ("time_to_first_frame_ms", "rebuffer_count", "rung_switches")


@dataclass(frozen=True, slots=True)
class PlayReport:
    """A player's report, checked; None where it did not send a figure."""

    time_to_first_frame_ms: int | None = None
    rebuffer_count: int | None = None
    rebuffer_seconds: float | None = None
    rung_switches: int | None = None
    seconds_watched: float | None = None
    rungs: list[str] | None = None
    fatal_error: str | None = None
    ended: bool = False


@dataclass(frozen=True, slots=True)
class Play:
    """One play as the API shows it: its running QoE totals."""

    id: int
    media_file_id: int
    method: PlayMethod
    started_at: float
    updated_at: float
    ended_at: float | None
    time_to_first_frame_ms: int | None
    rebuffer_count: int
    rebuffer_seconds: float
    rung_switches: int
    rungs: list[str]
    seconds_watched: float
    fatal_error: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Play:
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(data: dict[str, Any], name: str) -> float | None:
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise BadRequest(f"'{name}' must be a number.", field=name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"'{name}' must be a number.", field=name) from None
    if not math.isfinite(value) or value < 0 or value > LIMITS[name]:
        raise BadRequest(f"'{name}' must be between 0 and {LIMITS[name]}.", field=name)
    return float(int(value)) if name in INTEGER_FIELDS else value


def _rungs(raw: Any) -> list[str] | None:
    """Rung names, from a JSON list or a comma-separated form field."""
    if raw is None or raw == "":
        return None
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or len(items) > MAX_RUNGS:
        raise BadRequest(f"'rungs' must be a list of at most {MAX_RUNGS} names.", field="rungs")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str) or not 0 < len(item.strip()) <= MAX_RUNG_NAME:
            raise BadRequest("'rungs' must be short rung names like \"720p\".", field="rungs")
        if item.strip() not in names:
            names.append(item.strip())
    return names


def parse_report(data: dict[str, Any]) -> PlayReport:
    """The QoE fields of a report, checked. Unknown fields are ignored (older players)."""
    report: dict[str, Any] = {}
    for name in LIMITS:
        value = _number(data, name)
        if value is not None:
            report[name] = int(value) if name in INTEGER_FIELDS else value
    rungs = _rungs(data.get("rungs"))
    if rungs is not None:
        report["rungs"] = rungs
    error = data.get("fatal_error")
    if error not in (None, ""):
        if not isinstance(error, str):
            raise BadRequest("'fatal_error' must be text.", field="fatal_error")
        report["fatal_error"] = error[:MAX_ERROR]
    ended = data.get("ended")
    report["ended"] = ended is True or (isinstance(ended, str) and ended.lower() == "true")
    return PlayReport(**report)


def parse_method(raw: Any) -> PlayMethod:
    for method in METHODS:
        if raw == method:
            return method
    raise BadRequest(f"'method' must be one of {', '.join(METHODS)}.", field="method")


async def start_play(
    db: Database,
    *,
    user_id: int,
    profile_id: int,
    media_file_id: int,
    method: PlayMethod,
    client: str | None,
) -> int:
    now = time.time()
    async with db.write() as conn:
        return (
            await conn.execute(
                plays.insert()
                .values(
                    user_id=user_id,
                    profile_id=profile_id,
                    media_file_id=media_file_id,
                    method=method,
                    client=(client or "")[:200] or None,
                    started_at=now,
                    updated_at=now,
                    rungs=[],
                )
                .returning(plays.c.id)
            )
        ).scalar_one()


async def update_play(db: Database, play_id: int, profile_id: int, report: PlayReport) -> Play:
    """Merge a report into the play (only the profile that started it may); the stored play."""
    now = time.time()
    async with db.write() as conn:
        row = (
            await conn.execute(
                sa.select(plays).where(plays.c.id == play_id, plays.c.profile_id == profile_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such play.")
        current = dict(row._mapping)
        changes: dict[str, Any] = {"updated_at": now}
        # The first frame happens once: the first report of it is kept.
        first_frame = report.time_to_first_frame_ms
        if first_frame is not None and current["time_to_first_frame_ms"] is None:
            changes["time_to_first_frame_ms"] = first_frame
        for name in ("rebuffer_count", "rebuffer_seconds", "rung_switches", "seconds_watched"):
            total = getattr(report, name)
            if total is not None:
                changes[name] = max(current[name] or 0, total)
        if report.rungs is not None:
            merged = list(current["rungs"] or [])
            merged += [r for r in report.rungs if r not in merged]
            changes["rungs"] = merged[:MAX_RUNGS]
        if report.fatal_error is not None and not current["fatal_error"]:
            changes["fatal_error"] = report.fatal_error
        if report.ended and current["ended_at"] is None:
            changes["ended_at"] = now
        await conn.execute(plays.update().where(plays.c.id == play_id).values(**changes))
    return Play.from_row(current | changes)


async def get_play(db: Database, play_id: int, profile_id: int) -> Play:
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(plays).where(plays.c.id == play_id, plays.c.profile_id == profile_id)
            )
        ).first()
    if row is None:
        raise NotFound("No such play.")
    return Play.from_row(row._mapping)


async def purge_old(db: Database, older_than: float) -> int:
    """Delete plays last reported before `older_than` (epoch seconds); returns how many."""
    async with db.write() as conn:
        result = await conn.execute(plays.delete().where(plays.c.updated_at < older_than))
        return result.rowcount or 0


async def purge_old_plays(app: web.Application) -> int:
    """Housekeeping: plays last reported more than housekeeping.keep_plays_days ago."""
    days = app[config_key].housekeeping.keep_plays_days
    return await purge_old(app[db_key], time.time() - days * 86400)
