"""The live rooms of this process: loaded from the database on demand (a restarted server
resumes a room when its first member reconnects), ended on request or after the empty grace,
and the background sweep that ends rooms nobody is in."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.db.engine import Database
from mediaserver.keys import config_key, db_key
from mediaserver.watchparty import store
from mediaserver.watchparty.bus import InProcessBus, RoomBus
from mediaserver.watchparty.room import LiveRoom

log = logging.getLogger(__name__)


class Rooms:
    def __init__(self, db: Database, bus: RoomBus, empty_grace_seconds: float) -> None:
        self.db = db
        self.bus = bus
        self.empty_grace_seconds = empty_grace_seconds
        self.live: dict[str, LiveRoom] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    async def get(self, room_id: str) -> LiveRoom | None:
        """The live room, loaded from the database if it is open there; None if ended/unknown."""
        found = self.live.get(room_id)
        if found is not None:
            return found
        lock = self._loading.setdefault(room_id, asyncio.Lock())
        try:
            async with lock:
                found = self.live.get(room_id)
                if found is None:
                    found = await self._load(room_id)
        finally:
            self._loading.pop(room_id, None)
        return found

    async def _load(self, room_id: str) -> LiveRoom | None:
        record = await store.get_room(self.db, room_id)
        if record is None or record.ended_at is not None:
            return None
        members = await store.list_members(self.db, room_id)
        chat = await store.recent_chat(self.db, room_id)
        room = self.live[room_id] = LiveRoom(record, members, chat, self.db, self.bus)
        return room

    async def end(self, room_id: str, by: str = "") -> bool:
        """End a room: mark it in the database, tell its members (and who ended it) and close
        their sockets."""
        ended = await store.mark_ended(self.db, room_id)
        room = self.live.pop(room_id, None)
        if room is not None:
            await room.flush()
            room.shut(by)
        return ended or room is not None

    def websocket_count(self) -> int:
        return sum(len(room.links()) for room in self.live.values())

    def connected_in(self, room_id: str) -> int:
        room = self.live.get(room_id)
        return 0 if room is None else room.connected()

    async def sweep(self, now: float | None = None) -> list[str]:
        """End every room nobody has been connected to for the grace period."""
        now = time.time() if now is None else now
        cutoff = now - self.empty_grace_seconds
        ended: list[str] = []
        for room_id, room in list(self.live.items()):
            if room.empty_since is not None and room.empty_since < cutoff:
                await self.end(room_id)
                ended.append(room_id)
        # Rooms of an earlier run that nobody came back to.
        for room_id in await store.idle_open_rooms(self.db, cutoff):
            if room_id not in self.live:
                await self.end(room_id)
                ended.append(room_id)
        return ended

    async def close_all(self) -> None:
        """Shutting down: save every room and close its sockets as "going away" (1001), so
        clients reconnect to the next run, which resumes the rooms from the database."""
        links = []
        for room in list(self.live.values()):
            await room.flush()
            for link in room.links():
                link.close(1001)
                links.append(link)
            await store.touch_room(self.db, room.id)
        if links:
            await asyncio.gather(*(link.closing(2.0) for link in links))


rooms_key: web.AppKey[Rooms] = web.AppKey("watchparty_rooms")


def rooms_of(app: web.Application) -> Rooms:
    return app[rooms_key]


async def rooms_ctx(app: web.Application) -> AsyncIterator[None]:
    """The live rooms and their sweep, for the app's lifetime."""
    settings = app[config_key].watchparty
    rooms = app[rooms_key] = Rooms(app[db_key], InProcessBus(), settings.empty_grace_seconds)
    sweeper = asyncio.create_task(_sweep_forever(rooms))
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await rooms.close_all()


async def _sweep_forever(rooms: Rooms) -> None:
    interval = min(30.0, rooms.empty_grace_seconds / 4)
    while True:
        await asyncio.sleep(interval)
        try:
            ended = await rooms.sweep()
        except Exception:  # a database hiccup must not end the sweep for good
            log.exception("watch-together sweep failed")
            continue
        if ended:
            log.info("closed %d empty watch-together rooms", len(ended))


async def close_on_shutdown(app: web.Application) -> None:
    # Before aiohttp waits for in-flight handlers: open room sockets would hold shutdown.
    if rooms_key in app:
        await app[rooms_key].close_all()
