"""Comment text: what is kept of what was typed, and the playback times in it that become links.

Invisible direction controls (overrides, embeddings, isolates, marks) and zero-width characters
are removed, not refused: they change how the text looks or hide spam, never what it says.
Other control characters go too, except newlines and tabs. What is left is stored as typed and
shown escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediaserver.errors import DomainError

MAX_CHARS = 2000
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
# "12:34", "1:02:03", "at 0:05": minutes and seconds (two digits), hours optional.
_TIME = re.compile(r"(?<![\d:])(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)(?![\d:])")


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable comment"


def clean_text(raw: object) -> str:
    """The text to store: invisible characters removed, ends trimmed; 422 when empty or longer
    than MAX_CHARS."""
    if not isinstance(raw, str):
        raise Unprocessable("'text' must be text.", field="text")
    text = _INVISIBLE.sub("", raw.replace("\r\n", "\n")).strip()
    if not text:
        raise Unprocessable("Write something first: the comment is empty.", field="text")
    if len(text) > MAX_CHARS:
        raise Unprocessable(
            f"A comment may be at most {MAX_CHARS} characters ({len(text)} given).", field="text"
        )
    return text


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
