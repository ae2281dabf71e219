"""What an on-the-fly session is asked to make, and how it reports back (see session.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from mediaserver.media.ladder.rungs import RungPlan
from mediaserver.media.live.keyframes import Timeline


class LiveError(Exception):
    """The session cannot go on; `reason` says why in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LiveHooks(Protocol):
    def should_stop(self) -> bool: ...
    def wait_turn(self, segment: int) -> bool: ...
    def on_init(self, data: bytes) -> None: ...
    def on_segment(self, segment: int, data: bytes) -> None: ...


@dataclass(frozen=True)
class LiveSpec:
    """Everything a session makes, decided on the server (nothing here comes from a request
    string: indices are checked against the probed file, the rung is a server-side plan)."""

    source: Path
    mode: Literal["transcode", "remux"]
    timeline: Timeline
    audio_index: int | None
    burn_index: int | None = None
    rung: RungPlan | None = None  # transcode only
    preset: str = "veryfast"
    level: str = "4.0"
    threads: int = 0
    decode_threads: int = 0
    frame_rate: float = 0.0  # the source's, for reporting the encoder's frames per second
