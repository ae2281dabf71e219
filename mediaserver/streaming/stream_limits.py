"""How many devices of one account stream at once, and letting the account stop its own.

A device is the signed-in browser (its device session) or the API key that started the play:
a player starting again on the same device (a seek, another audio track, a reload) takes the
same slot. Plays count while the registry lists them (seen in the last few minutes, not
stopped); stopping one of the account's plays stops every play of its device, so its slot is
free at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mediaserver.accounts import Identity
from mediaserver.errors import Forbidden, NotFound
from mediaserver.streaming.active import ActiveStream, ActiveStreams

MY_STREAMS = "/my-streams"


@dataclass(frozen=True, slots=True)
class Watching:
    """A device of the account streaming now, as the refusal and the streams page show it."""

    play_id: str
    device: str
    title: str
    profile: str
    started_at: float
    this_device: bool

    def as_json(self) -> dict[str, object]:
        return {
            "play_id": self.play_id,
            "device": self.device,
            "title": self.title,
            "profile": self.profile,
            "started_at": self.started_at,
            "this_device": self.this_device,
            "stop": f"/api/v1/my-streams/{self.play_id}/stop",
        }


class StreamLimitReached(Forbidden):
    """The account already streams on as many devices as it may."""

    def __init__(self, limit: int, watching: list[Watching]) -> None:
        devices = "; ".join(f"{w.device} ({w.title})" for w in watching)
        plural = "device" if limit == 1 else "devices"
        super().__init__(
            f"This account may stream on {limit} {plural} at once and is watching now on: "
            f"{devices}. Stop one under {MY_STREAMS} and play again."
        )
        self.limit = limit
        self.watching = watching


def device_key(identity: Identity) -> str:
    """The device a play is started from: the browser's session, else the API key."""
    if identity.session is not None:
        return f"session:{identity.session.id}"
    if identity.api_key_id is not None:
        return f"key:{identity.api_key_id}"
    return ""


def _own_plays(registry: ActiveStreams, user_id: int, now: float) -> list[ActiveStream]:
    return [e for e in registry.listing(now) if e.user_id == user_id]


def watching_now(registry: ActiveStreams, identity: Identity) -> list[Watching]:
    """The account's devices streaming now, one row each (its latest play), newest first."""
    if identity.user is None:
        return []
    mine = device_key(identity)
    seen: dict[str, Watching] = {}
    for e in _own_plays(registry, identity.user.id, time.time()):  # newest first
        key = e.device_key or e.play_id
        if key not in seen:
            this = bool(mine) and e.device_key == mine
            seen[key] = Watching(e.play_id, e.device, e.title, e.profile_name, e.started_at, this)
    return list(seen.values())


def check_stream_limit(registry: ActiveStreams, identity: Identity, limit: int) -> None:
    """Refuse a new play when the account's other devices already use every slot."""
    if not limit:
        return
    others = [w for w in watching_now(registry, identity) if not w.this_device]
    if len(others) >= limit:
        raise StreamLimitReached(limit, others)


def stop_own(registry: ActiveStreams, identity: Identity, play_id: str) -> None:
    """Stop a play of the caller's account, with every play of the same device (404 for a
    play of another account, so nobody learns of it)."""
    user_id = identity.user.id if identity.user is not None else None
    plays = _own_plays(registry, user_id, time.time()) if user_id is not None else []
    target = next((e for e in plays if e.play_id == play_id), None)
    if target is None:
        raise NotFound("No such stream; it may have ended already.")
    for e in plays:
        if e.play_id == play_id or (target.device_key and e.device_key == target.device_key):
            registry.stop(e.play_id)
