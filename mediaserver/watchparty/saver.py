"""Two helpers of the live room that smooth bursts: `Saver` writes the room back to the database
in the background (writes never overlap, the last one always carries the latest state), and
`SeekCoalescer` turns a burst of seeks into the first and the last."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mediaserver.db.engine import Database
from mediaserver.watchparty import store
from mediaserver.watchparty.live_member import now_ms
from mediaserver.watchparty.records import RoomRecord


class Saver:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._task: asyncio.Task[None] | None = None
        self._current: Callable[[], RoomRecord] | None = None
        self._dirty = False

    def save(self, current: Callable[[], RoomRecord]) -> None:
        """Save what `current()` returns when the write starts (not what it was when asked)."""
        self._current, self._dirty = current, True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._dirty and self._current is not None:
            self._dirty = False
            await store.save_room(self.db, self._current())

    async def flush(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)


SEEK_COALESCE_MS = 100.0


class SeekCoalescer:
    """A seek at least SEEK_COALESCE_MS after the last one applies at once; closer ones wait
    for the end of that window and only the latest of them applies."""

    def __init__(self, apply: Callable[[float], None]) -> None:
        self._apply = apply
        self._timer: asyncio.TimerHandle | None = None
        self._latest: float | None = None
        self._last_ms = 0.0

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def seek(self, position: float) -> None:
        since = now_ms() - self._last_ms
        if self._timer is None and since >= SEEK_COALESCE_MS:
            self._run(position)
            return
        self._latest = position
        if self._timer is None:
            delay = max(0.0, SEEK_COALESCE_MS - since) / 1000.0
            self._timer = asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if self._latest is not None:
            self._run(self._latest)
        self._latest = None

    def _run(self, position: float) -> None:
        self._last_ms = now_ms()
        self._apply(position)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
