"""In-process pub/sub of comment changes per title, for the live comment sections.

An event names a comment and what happened to it; each page then fetches that comment as its
own viewer sees it (so permissions and escaping stay on the server). A subscriber's queue is
bounded: one that falls behind loses its oldest events rather than growing memory. The other
server processes' changes arrive through relay.py (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Literal

from aiohttp import web

QUEUE = 64


@dataclass(frozen=True, slots=True)
class CommentEvent:
    kind: Literal["new", "update"]
    id: int
    parent_id: int | None
    episode_id: int | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class CommentHub:
    def __init__(self) -> None:
        self._subs: dict[int, set[asyncio.Queue[CommentEvent | None]]] = defaultdict(set)
        self._closed = False

    def publish(self, title_id: int, event: CommentEvent) -> None:
        for queue in self._subs.get(title_id, ()):
            while queue.full():  # the newest change matters more than the oldest
                queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, title_id: int) -> AsyncIterator[asyncio.Queue[CommentEvent | None]]:
        """A queue of the title's events; None in it means the server is shutting down."""
        queue: asyncio.Queue[CommentEvent | None] = asyncio.Queue(QUEUE)
        if self._closed:
            queue.put_nowait(None)
        self._subs[title_id].add(queue)
        try:
            yield queue
        finally:
            subs = self._subs.get(title_id)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[title_id]

    def close(self) -> None:
        """End every stream (on shutdown), so their responses finish."""
        self._closed = True
        for subs in self._subs.values():
            for queue in subs:
                while queue.full():
                    queue.get_nowait()
                queue.put_nowait(None)


hub_key: web.AppKey[CommentHub] = web.AppKey("comment_hub", CommentHub)


async def close_hub(app: web.Application) -> None:
    app[hub_key].close()
