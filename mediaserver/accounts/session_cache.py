"""The sessions this process found lately, by their cookie's hash, so that a session is read
from the database at most every CACHE_SECONDS per process (a player reports its position every
few seconds; a page makes several API calls at once).

Whatever changes a session, its user or the user's profiles calls `forget_user` (or the session
functions forget the one session) after the change commits, so this process sees it on the
next request; another instance sharing a PostgreSQL database sees it within CACHE_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediaserver.accounts.sessions import DeviceSession, SignedIn

# How long a session read from the database answers for its cookie without reading it again.
CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000


class SessionCache:
    """Sessions found lately, by token hash: (read at, monotonic; the session). Only live
    sessions are kept; a cookie that found none is read again each time."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[float, SignedIn]] = {}
        # Raised by every forget: a read that began before one is not cached (it may predate
        # the change that caused it).
        self.epoch = 0

    def get(self, key: str, now: float) -> SignedIn | None:
        hit = self.found.get(key)
        if hit is None:
            return None
        if now - hit[0] >= CACHE_SECONDS or hit[1].session.expires_at <= time.time():
            del self.found[key]
            return None
        return hit[1]

    def put(self, key: str, signed_in: SignedIn, now: float, epoch: int) -> None:
        if epoch != self.epoch:
            return
        if len(self.found) >= CACHE_SIZE:
            self.found.clear()
        self.found[key] = (now, signed_in)

    def replace_session(self, session: DeviceSession) -> None:
        """The cached copy of a session changed by this process (its last_seen_at)."""
        for key, (at, signed_in) in list(self.found.items()):
            if signed_in.session.id == session.id:
                self.found[key] = (at, replace(signed_in, session=session))

    def forget(self, *, user_id: int | None = None, session_id: int | None = None) -> None:
        self.epoch += 1
        for key, (_, signed_in) in list(self.found.items()):
            if signed_in.user.id == user_id or signed_in.session.id == session_id:
                del self.found[key]


cache = SessionCache()


def forget_user(user_id: int) -> None:
    """Drop the user's cached sessions: their next request reads session, user and profile
    again (call after changing any of them)."""
    cache.forget(user_id=user_id)


def forget_all() -> None:
    """Drop every cached session (sessions deleted in bulk)."""
    cache.epoch += 1
    cache.found.clear()
