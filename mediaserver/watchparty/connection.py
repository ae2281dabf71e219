"""One member's WebSocket as the room sees it: a send queue drained by its own writer task, so
fan-out never waits on a socket, and a way to close it with a code."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# Messages waiting for a client that reads too slowly: past this it is dropped (it reconnects
# and gets a fresh welcome) rather than holding memory for everyone else.
MAX_QUEUED = 256
_CLOSE = object()


class Link:
    """A member's connection: `send` and `deliver` queue, `close` queues a close after them."""

    def __init__(self, ws: web.WebSocketResponse, member_id: int) -> None:
        self.ws = ws
        self.member_id = member_id
        self.close_code: int | None = None
        self.attached_ms = 0.0  # server time (ms) the room welcomed this connection
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def deliver(self, text: str) -> None:
        """Queue already serialised text (the bus calls this)."""
        if self.close_code is not None:
            return
        if self._queue.qsize() >= MAX_QUEUED:
            log.info("room client too slow, closing (member %s)", self.member_id)
            self.close(1008)
            return
        self._queue.put_nowait(text)

    def send(self, message: dict[str, Any]) -> None:
        self.deliver(json.dumps(message, separators=(",", ":"), ensure_ascii=False))

    def close(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
            self._queue.put_nowait(_CLOSE)

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            if item is _CLOSE:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.close(code=self.close_code or 1000)
                return
            try:
                await self.ws.send_str(item)  # type: ignore[arg-type]
            except (ConnectionError, RuntimeError):
                # The peer went away; the reader notices and detaches the link.
                return

    async def closing(self, timeout: float) -> None:
        """Wait (at most `timeout`) for a queued close to have gone out."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._writer), timeout)

    async def stop(self) -> None:
        """Stop the writer once the reader has finished (the socket is closed or closing)."""
        if not self._writer.done():
            if self.close_code is not None:
                await self.closing(1.0)  # let a queued close go out first
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
