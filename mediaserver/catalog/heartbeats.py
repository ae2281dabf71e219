"""Progress heartbeats: every position report of a play (progress saves and play reports) is kept
as a raw row in play_heartbeats, and the play remembers its latest position and paused state.

Reports arrive every few seconds from every player, so they are not written one transaction per
request: they collect in memory and are written together, at most
`analytics.heartbeat_flush_seconds` later (and at shutdown). A report is answered once it is
checked and queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.analytics_schema import play_heartbeats
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import plays
from mediaserver.errors import BadRequest, NotFound
from mediaserver.keys import config_key, db_key

log = logging.getLogger(__name__)

MAX_QUEUED = 100_000  # beyond this (database down), the oldest reports are dropped
FLUSH_ROWS = 2_000  # a write as soon as this many are queued
OWNERS_CACHED = 50_000
# A progress save without its play id counts for the profile's latest play of the file, if that
# play reported within this many seconds.
OPEN_PLAY_SECONDS = 1800


# Told of every accepted heartbeat: (profile id, media file id, position, paused). Higher
# domains (the active streams list) register with `register_heartbeat_listener`; called inline,
# so a listener must be a cheap in-memory update.
HeartbeatListener = Callable[[int, int, float, bool], None]
heartbeat_listeners_key = web.AppKey("catalog_heartbeat_listeners", list[HeartbeatListener])


def register_heartbeat_listener(app: web.Application, listener: HeartbeatListener) -> None:
    """Hear every player's position reports (who, which file, where, paused or not)."""
    app.setdefault(heartbeat_listeners_key, []).append(listener)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    play_id: int
    at: float
    position_seconds: float
    paused: bool


def parse_paused(raw: Any) -> bool:
    """The `paused` field of a report: JSON true/false or a form's "true"/"false"."""
    if raw is None or raw == "":
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    raise BadRequest("'paused' must be true or false.", field="paused")


class HeartbeatBuffer:
    """Queues heartbeats and writes them (and each play's latest position) in batches."""

    def __init__(self, db: Database, flush_seconds: float = 1.0) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._queue: list[Heartbeat] = []
        self._owners: dict[int, tuple[int, int]] = {}  # play id -> (profile id, media file id)
        # play id -> the play's JSON as a heartbeat's answer shows it (its QoE totals change
        # only with a report, which replaces it here), so a bare heartbeat reads nothing and
        # converts nothing.
        self._answers: dict[int, dict[str, Any]] = {}
        self._wake = asyncio.Event()  # a full batch, or shutdown: write now, not at the tick
        self._lock = asyncio.Lock()

    async def owner(self, play_id: int) -> tuple[int, int] | None:
        """(profile id, media file id) of a play; cached, as a play never changes hands."""
        found = self._owners.get(play_id)
        if found is not None:
            return found
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(plays.c.profile_id, plays.c.media_file_id).where(
                        plays.c.id == play_id
                    )
                )
            ).first()
        if row is None:
            return None
        if len(self._owners) >= OWNERS_CACHED:
            self._owners.clear()
        self._owners[play_id] = (row.profile_id, row.media_file_id)
        return self._owners[play_id]

    async def open_play(self, profile_id: int, media_file_id: int) -> int | None:
        """The profile's play of this file that reported last, if it did so lately."""
        async with self.db.read() as conn:
            return (
                await conn.execute(
                    sa.select(plays.c.id)
                    .where(
                        plays.c.profile_id == profile_id,
                        plays.c.media_file_id == media_file_id,
                        plays.c.ended_at.is_(None),
                        plays.c.updated_at > time.time() - OPEN_PLAY_SECONDS,
                    )
                    .order_by(plays.c.updated_at.desc())
                    .limit(1)
                )
            ).scalar()

    def answer(self, play_id: int) -> dict[str, Any] | None:
        """The JSON of the play last read or reported here, or None."""
        return self._answers.get(play_id)

    def remember(self, play_id: int, play_json: dict[str, Any]) -> None:
        if len(self._answers) >= OWNERS_CACHED:
            self._answers.clear()
        self._answers[play_id] = play_json

    def add(self, heartbeat: Heartbeat) -> None:
        if len(self._queue) >= MAX_QUEUED:
            del self._queue[: len(self._queue) // 10]
        self._queue.append(heartbeat)
        if len(self._queue) >= FLUSH_ROWS:
            self._wake.set()

    async def flush(self) -> int:
        """Write what is queued now; returns how many heartbeats were written."""
        async with self._lock:
            batch, self._queue = self._queue, []
            if not batch:
                return 0
            latest: dict[int, Heartbeat] = {}
            for beat in batch:
                latest[beat.play_id] = beat
            try:
                async with self.db.write() as conn:
                    # Plays deleted since (purged, or their user removed) take their reports along.
                    alive = set(
                        (
                            await conn.execute(
                                sa.select(plays.c.id).where(plays.c.id.in_(list(latest)))
                            )
                        ).scalars()
                    )
                    rows = [
                        {
                            "play_id": b.play_id,
                            "at": b.at,
                            "position_seconds": b.position_seconds,
                            "paused": b.paused,
                        }
                        for b in batch
                        if b.play_id in alive
                    ]
                    if rows:
                        await conn.execute(play_heartbeats.insert(), rows)
                        await conn.execute(
                            plays.update()
                            .where(plays.c.id == sa.bindparam("b_id"))
                            .values(
                                position_seconds=sa.bindparam("b_position"),
                                paused=sa.bindparam("b_paused"),
                                updated_at=sa.func.max(plays.c.updated_at, sa.bindparam("b_at"))
                                if self.db.is_sqlite
                                else sa.func.greatest(plays.c.updated_at, sa.bindparam("b_at")),
                            ),
                            [
                                {
                                    "b_id": b.play_id,
                                    "b_position": b.position_seconds,
                                    "b_paused": b.paused,
                                    "b_at": b.at,
                                }
                                for b in latest.values()
                                if b.play_id in alive
                            ],
                        )
                    return len(rows)
            except Exception:
                # Keep them for the next round (the database may be back by then).
                self._queue[:0] = batch
                raise

    def wake(self) -> None:
        """End the loop's current wait at once."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("progress heartbeats: could not write %d reports", len(self._queue))
                await asyncio.sleep(min(5.0, self.flush_seconds * 5))


heartbeats_key: web.AppKey[HeartbeatBuffer] = web.AppKey("heartbeats", HeartbeatBuffer)


async def heartbeats_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the buffer in app[heartbeats_key], written out every flush interval and at
    shutdown."""
    buffer = HeartbeatBuffer(app[db_key], app[config_key].analytics.heartbeat_flush_seconds)
    app[heartbeats_key] = buffer
    stop = asyncio.Event()
    task = asyncio.create_task(buffer.run(stop))
    try:
        yield
    finally:
        stop.set()
        buffer.wake()  # else shutdown waits out the flush interval
        await task
        try:
            await buffer.flush()
        except Exception:
            log.exception(
                "progress heartbeats: %d reports not written at shutdown", len(buffer._queue)
            )


async def flush_heartbeats(app: web.Application) -> int:
    """Write the queued heartbeats now (the analytics rollup does before it reads them)."""
    buffer = app.get(heartbeats_key)
    return 0 if buffer is None else await buffer.flush()


async def record_heartbeat(
    request: web.Request,
    *,
    profile_id: int,
    position: float,
    paused: bool,
    play_id: int | None = None,
    media_file_id: int | None = None,
) -> bool:
    """Queue a position report of this profile's play (or, without a play id, of its open play
    of the file); False when there is no such play of this profile."""
    buffer = request.app[heartbeats_key]
    if play_id is None:
        if media_file_id is None:
            return False
        play_id = await buffer.open_play(profile_id, media_file_id)
        if play_id is None:
            return False
    owner = await buffer.owner(play_id)
    if owner is None or owner[0] != profile_id:
        raise NotFound("No such play.")
    if media_file_id is not None and owner[1] != media_file_id:
        raise BadRequest("That play is of another file.", field="play_id")
    buffer.add(Heartbeat(play_id, time.time(), position, paused))
    for listener in request.app.get(heartbeat_listeners_key, []):
        listener(profile_id, owner[1], position, paused)
    return True
