"""How a ladder fails: a reason a person can act on, or a cancellation."""

from __future__ import annotations


class LadderError(Exception):
    """The ladder could not be made; `reason` says why, in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LadderCancelled(LadderError):
    """should_stop() said so; the partial output is the caller's to delete."""
