"""Per-connection rate limits: token buckets for playback commands, chat and all messages, and
a strike count that closes a connection that keeps flooding."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Bucket:
    """`capacity` tokens, refilled at `per_second`; `take` spends one if there is one."""

    capacity: float
    per_second: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(slots=True)
class ConnectionLimits:
    # 10 playback commands a second; chat 5 per 10 seconds.
    control: Bucket = field(default_factory=lambda: Bucket(10, 10))
    chat: Bucket = field(default_factory=lambda: Bucket(5, 0.5))
    reactions: Bucket = field(default_factory=lambda: Bucket(10, 2))
    # Everything together, pings and status reports included: far above any real client.
    messages: Bucket = field(default_factory=lambda: Bucket(60, 30))
    # Each refused message is a strike; a client that keeps going is closed (1008).
    strikes: Bucket = field(default_factory=lambda: Bucket(20, 1))

    def allow(self, kind: str) -> bool:
        """Whether a message of this limit class may go through now."""
        bucket = {"control": self.control, "chat": self.chat, "reaction": self.reactions}.get(kind)
        return bucket is None or bucket.take()

    def flooding(self) -> bool:
        """Count one message; True when the connection is to be closed for flooding."""
        return not self.messages.take()

    def strike(self) -> bool:
        """Count one refused message; True when the connection is to be closed."""
        return not self.strikes.take()
