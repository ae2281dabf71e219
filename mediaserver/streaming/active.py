"""The active streams registry: who plays what, how, at which rung and bandwidth; admin stop.

In-process and in memory: every media response touches it, so it must cost a dict lookup, never
a database round trip. A play is registered when the playback decision issues its token, and
kept until its last token expires (renewals extend it; a paused player that resumes shows up
again); the admin list
shows only plays seen lately: a player that reports its position (the web player does every
10 s, playing or paused) is listed until it has been silent for GONE_SECONDS, so a closed tab
leaves within half a minute; a client that never reports (VLC on a token URL) until its media
requests have stopped for ACTIVE_SECONDS. One viewer restarting the player on the same device (a
seek far away, another audio track) replaces its earlier play instead of adding a row. A stopped
play id is remembered until its token
expires, so the next request with that token is refused, and it is never renewed.

With several server instances each keeps its own registry (an admin sees the plays of the
instance that served the page); a shared one belongs with the PostgreSQL deployment.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from mediaserver.streaming.methods import PlaybackMethod
from mediaserver.streaming.tokens import MediaGrant

log = logging.getLogger(__name__)

ACTIVE_SECONDS = 180.0  # a client that never reports its position: unseen this long, unlisted
GONE_SECONDS = 30.0  # a player that reports its position: silent this long, unlisted
BANDWIDTH_WINDOW = 10  # seconds of bytes the bandwidth figure averages
MAX_ENTRIES = 10_000  # memory bound: the least recently seen play is forgotten first
MAX_CLIENT = 300

StopCallback = Callable[[str], object]


@dataclass
class ActiveStream:
    play_id: str
    user_id: int
    profile_id: int
    media_file_id: int
    user_name: str
    profile_name: str
    title: str
    method: PlaybackMethod
    reason: str
    client: str  # the User-Agent as sent (cut); shown escaped
    device: str  # a short label derived from it
    rung: str | None
    started_at: float
    expires_at: float
    last_seen: float
    start_seconds: float = 0.0
    # The signed-in browser or API key that started it: its plays take one stream of the
    # account's limit, however often the player starts again (a seek, another audio track).
    device_key: str = ""
    # The player's own reports (heartbeats): where it is and whether it is paused.
    heartbeat_at: float | None = None
    position: float | None = None
    paused: bool = False
    superseded: bool = False  # the same viewer started a newer play on the same device
    bytes_total: int = 0
    window: deque[list[int]] = field(default_factory=deque)  # [second, bytes] buckets

    def viewer(self) -> tuple[int, int, int, str]:
        """One viewer's play of one file on one device: a new play with the same key replaces
        this one."""
        return (self.user_id, self.profile_id, self.media_file_id, self.device_key or self.client)

    def listed(self, now: float) -> bool:
        if self.superseded:
            return False
        if self.heartbeat_at is not None:
            return max(self.heartbeat_at, self.last_seen) >= now - GONE_SECONDS
        return self.last_seen >= now - ACTIVE_SECONDS

    def bandwidth_bps(self, now: float | None = None) -> int:
        """Bits per second served over the last BANDWIDTH_WINDOW seconds."""
        since = int(now if now is not None else time.time()) - BANDWIDTH_WINDOW
        return sum(n for second, n in self.window if second > since) * 8 // BANDWIDTH_WINDOW


_BROWSERS = [
    ("CrKey", "Chromecast"),
    ("AppleCoreMedia", "AirPlay / Apple media"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("VLC", "VLC"),
    ("Kodi", "Kodi"),
    ("curl/", "curl"),
    ("python", "Python client"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def device_label(user_agent: str) -> str:
    """'Chrome on Linux' from a User-Agent; 'Unknown client' when nothing is recognised."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system and browser not in ("Chromecast", "curl"):
        return f"{browser} on {system}"
    return browser or system or "Unknown client"


def _clean_client(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "", text)[:MAX_CLIENT]


class ActiveStreams:
    """See the module docstring. Not thread-safe: used from the event loop only."""

    def __init__(self) -> None:
        self._plays: dict[str, ActiveStream] = {}
        self._stopped: dict[str, float] = {}  # play id -> its token's expiry
        self._callbacks: list[StopCallback] = []
        self._tasks: set[asyncio.Task[object]] = set()

    def register(
        self,
        grant: MediaGrant,
        *,
        method: PlaybackMethod,
        reason: str,
        client: str,
        title: str,
        rung: str | None,
        user_name: str = "",
        profile_name: str = "",
        start_seconds: float = 0.0,
        device_key: str = "",
    ) -> ActiveStream:
        now = time.time()
        self._prune(now)
        client = _clean_client(client)
        entry = ActiveStream(
            play_id=grant.play_id,
            user_id=grant.user_id,
            profile_id=grant.profile_id,
            media_file_id=grant.media_file_id,
            user_name=user_name,
            profile_name=profile_name,
            title=title,
            method=method,
            reason=reason,
            client=client,
            device=device_label(client),
            rung=rung,
            started_at=now,
            expires_at=grant.expires_at,
            last_seen=now,
            start_seconds=start_seconds,
            device_key=device_key,
        )
        # The same viewer started the player again: its earlier play is no longer listed (its
        # token may still fetch a segment or two), but a stop still reaches it.
        if entry.expires_at > now:
            for old in self._plays.values():
                if old.viewer() == entry.viewer():
                    old.superseded = True
        self._plays[grant.play_id] = entry
        return entry

    def heartbeat(self, profile_id: int, media_file_id: int, position: float, paused: bool) -> None:
        """A player's position report: its latest play of this file is alive, here, paused or
        not."""
        mine = [
            e
            for e in self._plays.values()
            if e.profile_id == profile_id and e.media_file_id == media_file_id
        ]
        if not mine:
            return
        entry = max(mine, key=lambda e: e.started_at)
        entry.heartbeat_at = time.time()
        entry.position = position
        entry.paused = paused

    def touch(self, play_id: str, *, nbytes: int, rung: str | None = None) -> None:
        """A media response of this play: bytes sent, last seen, the rung it came from."""
        entry = self._plays.get(play_id)
        if entry is None:
            return
        now = time.time()
        entry.last_seen = now
        if rung is not None:
            entry.rung = rung
        if nbytes > 0:
            entry.bytes_total += nbytes
            second = int(now)
            window = entry.window
            if window and window[-1][0] == second:
                window[-1][1] += nbytes
            else:
                window.append([second, nbytes])
                while window and window[0][0] <= second - BANDWIDTH_WINDOW:
                    window.popleft()

    def renew(self, grant: MediaGrant) -> None:
        """The play got a new token: keep it (and any stop of it) until that one expires."""
        entry = self._plays.get(grant.play_id)
        if entry is not None:
            entry.expires_at = max(entry.expires_at, grant.expires_at)

    def is_stopped(self, play_id: str) -> bool:
        return play_id in self._stopped

    def on_stop(self, callback: StopCallback) -> None:
        """Call `callback(play_id)` when an admin stops a play (sync, or a coroutine function)."""
        self._callbacks.append(callback)

    def stop(self, play_id: str) -> bool:
        """Refuse every further request of this play. False when no such play is known."""
        entry = self._plays.pop(play_id, None)
        if entry is None:
            return False
        self._stopped[play_id] = entry.expires_at
        earlier = [e for e in self._plays.values() if e.superseded and e.viewer() == entry.viewer()]
        for old in earlier:  # the same viewer's earlier plays on that device stop with it
            del self._plays[old.play_id]
            self._stopped[old.play_id] = old.expires_at
        for stopped in [play_id, *(old.play_id for old in earlier)]:
            self._tell_stopped(stopped)
        return True

    def _tell_stopped(self, play_id: str) -> None:
        for callback in self._callbacks:
            try:
                result = callback(play_id)
            except Exception:  # one listener failing must not keep the stream running
                log.exception("stop callback failed for play %s", play_id)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def listing(self, now: float | None = None) -> list[ActiveStream]:
        """Plays seen in the last ACTIVE_SECONDS, most recently started first."""
        now = time.time() if now is None else now
        self._prune(now)
        live = [e for e in self._plays.values() if e.listed(now)]
        return sorted(live, key=lambda e: e.started_at, reverse=True)

    def _prune(self, now: float) -> None:
        for play_id in [p for p, e in self._plays.items() if e.expires_at <= now]:
            del self._plays[play_id]
        for play_id in [p for p, exp in self._stopped.items() if exp <= now]:
            del self._stopped[play_id]
        if len(self._plays) > MAX_ENTRIES:
            by_age = sorted(self._plays.values(), key=lambda e: e.last_seen)
            for entry in by_age[: len(self._plays) - MAX_ENTRIES]:
                del self._plays[entry.play_id]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
