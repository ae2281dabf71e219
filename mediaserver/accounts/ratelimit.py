"""Login throttling per account and per client address (sliding window, in memory).

In-memory is per process: several instances behind a load balancer each keep their own count,
which multiplies the allowance by the instance count but never lets guessing run unbounded.
"""

from __future__ import annotations

import time
from collections import deque

from aiohttp import web


class LoginLimiter:
    def __init__(self, per_account: int, per_address: int, window_seconds: float) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def retry_after(self, account: str, address: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = time.monotonic() if now is None else now
        waits = []
        for key, limit in (
            (f"u:{account.lower()}", self.per_account),
            (f"a:{address}", self.per_address),
        ):
            q = self._recent(key, now)
            if len(q) >= limit:
                waits.append(int(q[0] + self.window - now) + 1)
        return max(waits, default=0)

    def record_failure(self, account: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in (f"u:{account.lower()}", f"a:{address}"):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 100_000:  # bound memory under a spray of random names
            self._prune(now)

    def record_success(self, account: str) -> None:
        self._failures.pop(f"u:{account.lower()}", None)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)


login_limiter_key: web.AppKey[LoginLimiter] = web.AppKey("login_limiter")
