"""Typed records at the edges of the watch-together domain: what the store reads and writes and
what the face hands to other domains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Control = Literal["host", "everyone"]


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """One open room as the admin and the /rooms page list it."""

    id: str
    host_name: str
    title_name: str
    media_file_id: int
    members_connected: int
    members_total: int
    playing: bool
    created_at: float


@dataclass(slots=True)
class PlaybackState:
    """At server time `at_ms` the position is `position` seconds; while playing it advances by
    `rate` seconds per second from then on."""

    playing: bool
    position: float
    at_ms: float
    rate: float
    seq: int

    def position_at(self, t_ms: float) -> float:
        if not self.playing or t_ms <= self.at_ms:
            return self.position
        return self.position + (t_ms - self.at_ms) / 1000.0 * self.rate


@dataclass(frozen=True, slots=True)
class RoomRecord:
    id: str
    host_user_id: int
    host_profile_id: int
    media_file_id: int
    title_id: int | None
    title_name: str
    control: Control
    buffer_wait_seconds: float
    state: PlaybackState
    created_at: float
    last_active_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    room_id: str
    user_id: int
    profile_id: int
    profile_name: str
    avatar: str
    muted: bool
    removed: bool
    joined_at: float


@dataclass(frozen=True, slots=True)
class ChatRecord:
    id: int
    member_id: int | None
    profile_name: str
    text: str
    at: float

    def wire(self) -> dict:
        return {
            "type": "chat",
            "id": self.id,
            "member_id": self.member_id,
            "profile_name": self.profile_name,
            "text": self.text,
            "at": self.at * 1000.0,
        }


@dataclass(frozen=True, slots=True)
class InviteRecord:
    id: str
    room_id: str
    created_by: int
    user_id: int | None
    created_at: float
    expires_at: float
    single_use: bool
    uses: int
    revoked: bool

    def usable(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at and not (self.single_use and self.uses)


@dataclass(frozen=True, slots=True)
class MyRoom:
    """A room on someone's Rooms page: why they see it, and its invite links (with their
    signed tokens) when they host it."""

    room: RoomRecord
    host_name: str
    is_host: bool
    is_member: bool
    invited: bool
    links: tuple[tuple[InviteRecord, str], ...] = ()
    last_chat: ChatRecord | None = None
