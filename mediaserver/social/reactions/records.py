"""Typed records of the player's reactions, moments (timestamped comments) and strip."""

from __future__ import annotations

from dataclasses import dataclass

from mediaserver.errors import DomainError

# The fixed set a player offers; anything else is refused with 422.
EMOJIS: tuple[str, ...] = ("👍", "❤️", "😂", "😮", "😢", "😡", "🔥", "👏")
STRIP_BUCKETS = 100
MOMENT_MAX_CHARS = 500


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable input"


@dataclass(frozen=True, slots=True)
class Reaction:
    media_file_id: int
    second: int
    emoji: str
    counted: bool  # False: this profile already sent this emoji in this second


@dataclass(frozen=True, slots=True)
class Strip:
    """Reaction density over the title: `counts` per bucket as stored, `buckets` smoothed and
    scaled to 0..1 for drawing."""

    duration: float
    bucket_seconds: float
    counts: list[int]
    buckets: list[float]
    total: int


@dataclass(frozen=True, slots=True)
class Moment:
    """A comment typed in the player at a playback position."""

    id: int
    media_file_id: int
    profile_id: int
    author: str
    avatar: str
    position: float
    text: str
    created_at: float
    mine: bool
