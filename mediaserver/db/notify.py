"""Messages between the server processes that share one PostgreSQL database: `notify` sends a
payload on a channel (NOTIFY, delivered when the sending transaction commits), and a `Listener`
holds one connection of its own that LISTENs on the channel and hands every payload to a
callback, reconnecting after a loss. On SQLite there is one serving process: nothing to send.

A NOTIFY payload is at most 8000 bytes; callers send small JSON naming what changed, and each
process reads the change itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import asyncpg
import sqlalchemy as sa

from mediaserver.db.engine import Database

log = logging.getLogger(__name__)
Deliver = Callable[[str], None]
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
CHECK_SECONDS = 5.0  # how often a quiet listening connection is checked to be still there


async def notify(db: Database, channel: str, payload: str) -> None:
    """Send `payload` to every process listening on `channel` (PostgreSQL only; else nothing)."""
    if not db.is_postgres:
        return
    async with db.write() as conn:
        await conn.execute(sa.select(sa.func.pg_notify(channel, payload)))


def _dsn(db: Database) -> str:
    """The database URL as asyncpg's own connect() reads it (driver name dropped)."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """One LISTEN connection for `channel`, run by `run()` until cancelled."""

    def __init__(self, db: Database, channel: str, deliver: Deliver) -> None:
        self._dsn = _dsn(db)
        self.channel = channel
        self._deliver = deliver
        self.listening = asyncio.Event()  # set while the connection listens

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._deliver(payload)
        except Exception:  # one bad payload must not stop the others
            log.exception("a %s notification could not be handled", self.channel)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            await conn.add_listener(self.channel, self._on_notify)
            self.listening.set()
            while not conn.is_closed():
                await asyncio.sleep(CHECK_SECONDS)
                await conn.execute("SELECT 1")  # a dead socket shows here, not on a quiet one
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    async def run(self) -> None:
        """Listen; after a lost connection, connect again (what was sent meanwhile is missed)."""
        failures = 0
        while True:
            try:
                await self._listen_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                if failures == 0:
                    log.warning("listening on %s failed (%s); retrying", self.channel, exc)
                failures += 1
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])


@contextlib.asynccontextmanager
async def listening(db: Database, channel: str, deliver: Deliver) -> AsyncIterator[None]:
    """Run a Listener for the block (PostgreSQL only; on SQLite the block just runs)."""
    if not db.is_postgres:
        yield
        return
    listener = Listener(db, channel, deliver)
    task = asyncio.create_task(listener.run(), name=f"listen-{channel}")
    try:
        # Start-up waits a moment for LISTEN, so a change made right after start is heard.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.listening.wait(), 5)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
