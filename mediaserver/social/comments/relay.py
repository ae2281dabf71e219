"""A live hub's events carried to the same hub of every other server process.

On PostgreSQL, where several server processes share the database, `publish` hands an event to
this process's subscribers at once and sends it with NOTIFY on the relay's channel (in the
background: the request that made the change does not wait); each process LISTENs
(db/notify.py) and hands what the others sent to its own subscribers. Its own notifications
come back to it and are skipped. On SQLite there is one server process: the hub alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.engine import Database
from mediaserver.db.notify import listening, notify
from mediaserver.keys import db_key
from mediaserver.social.comments.hub import CommentEvent, CommentHub

log = logging.getLogger(__name__)
SEND_WAIT_SECONDS = 2.0  # at shutdown, for notifications still being sent


class HubRelay:
    """Relays `hub`'s events on `channel`; `event_of` rebuilds an event from its `as_dict()`."""

    def __init__(self, channel: str, hub: CommentHub, event_of: Callable[[dict], Any]) -> None:
        self.channel = channel
        self.hub = hub
        self._event_of = event_of
        self._origin = uuid.uuid4().hex
        self._sending: set[asyncio.Task[None]] = set()

    def publish(self, db: Database, key: int, event: Any) -> None:
        """To this process's subscribers of `key` now, to the other processes' in a moment."""
        self.hub.publish(key, event)
        if not db.is_postgres:
            return
        payload = json.dumps({"origin": self._origin, "key": key, "event": event.as_dict()})
        task = asyncio.get_running_loop().create_task(self._send(db, payload))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, db: Database, payload: str) -> None:
        try:
            await notify(db, self.channel, payload)
        except (OSError, sa.exc.SQLAlchemyError) as exc:  # the others see it at their reload
            log.warning("could not tell the other servers on %s: %s", self.channel, exc)

    def heard(self, payload: str) -> None:
        """An event another process sent: to this process's subscribers."""
        data = json.loads(payload)
        if data.get("origin") == self._origin:
            return
        self.hub.publish(int(data["key"]), self._event_of(data["event"]))

    @contextlib.asynccontextmanager
    async def running(self, db: Database) -> AsyncIterator[None]:
        """Listen for the other processes' events for the block (PostgreSQL only)."""
        async with listening(db, self.channel, self.heard):
            yield
            if self._sending:
                await asyncio.wait(set(self._sending), timeout=SEND_WAIT_SECONDS)


COMMENTS_CHANNEL = "mediaserver_comments"
comments_relay_key: web.AppKey[HubRelay] = web.AppKey("comments_relay", HubRelay)


def comment_event(data: dict) -> CommentEvent:
    kind = data["kind"]
    if kind not in ("new", "update"):
        raise ValueError(f"unknown comment event {kind!r}")
    return CommentEvent(kind, int(data["id"]), data["parent_id"], data["episode_id"])


async def comments_relay_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: comment changes made on the other server processes reach this one's live
    comment sections."""
    async with app[comments_relay_key].running(app[db_key]):
        yield
