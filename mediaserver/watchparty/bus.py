"""Fan-out: how a room's messages reach every connection subscribed to it.

Room logic publishes serialised messages to a `RoomBus` and never touches sockets. The one
implementation here, `InProcessBus`, serves a single server process. Several instances behind a
load balancer would swap in a bus over PostgreSQL LISTEN/NOTIFY (one channel per room, the
already serialised text as the payload, at most 8000 bytes, which every message fits), and
the room logic stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Deliver = Callable[[str], None]


class RoomBus(Protocol):
    def publish(self, room_id: str, text: str) -> None:
        """Hand one serialised message to every subscriber of the room; never blocks."""

    def subscribe(self, room_id: str, deliver: Deliver) -> Callable[[], None]:
        """Receive the room's messages through `deliver`; call the result to stop."""

    def subscribers(self, room_id: str) -> int:
        """How many subscribers the room has on this instance."""


class InProcessBus:
    """Subscribers in a dict of sets: publishing is one loop of non-blocking deliveries (each
    connection queues the text and its own writer task sends it), so a slow client delays
    nobody else."""

    def __init__(self) -> None:
        self._rooms: dict[str, set[Deliver]] = {}

    def publish(self, room_id: str, text: str) -> None:
        for deliver in tuple(self._rooms.get(room_id, ())):
            deliver(text)

    def subscribe(self, room_id: str, deliver: Deliver) -> Callable[[], None]:
        self._rooms.setdefault(room_id, set()).add(deliver)

        def unsubscribe() -> None:
            found = self._rooms.get(room_id)
            if found is not None:
                found.discard(deliver)
                if not found:
                    del self._rooms[room_id]

        return unsubscribe

    def subscribers(self, room_id: str) -> int:
        return len(self._rooms.get(room_id, ()))
