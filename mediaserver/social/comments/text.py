"""Comment text: what is kept of what was typed (the rule of mediaserver/social/text.py), and
the playback times in it that become links."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediaserver.errors import DomainError
from mediaserver.social.text import kept_text

MAX_CHARS = 2000
# "12:34", "1:02:03", "at 0:05": minutes and seconds (two digits), hours optional.
_TIME = re.compile(r"(?<![\d:])(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)(?![\d:])")


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable comment"


def clean_text(raw: object) -> str:
    """The text to store: invisible characters removed, ends trimmed; 422 when empty or longer
    than MAX_CHARS."""
    return kept_text(raw, noun="comment", max_chars=MAX_CHARS, error=Unprocessable)


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of comment text; `seconds` is set when it names a playback time."""

    text: str
    seconds: int | None = None


def pieces(text: str) -> list[Piece]:
    """The text split into plain runs and playback times, for rendering links."""
    out: list[Piece] = []
    at = 0
    for match in _TIME.finditer(text):
        hours, minutes, seconds = match.group(1), match.group(2), match.group(3)
        if match.start() > at:
            out.append(Piece(text[at : match.start()]))
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        out.append(Piece(match.group(0), total))
        at = match.end()
    if at < len(text):
        out.append(Piece(text[at:]))
    return out
