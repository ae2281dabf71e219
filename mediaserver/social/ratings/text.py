"""Review text and rating values as given: what is kept, and what is refused with 422.

Invisible direction controls (overrides, embeddings, isolates, marks) and zero-width characters
are removed, not refused: they change how the text looks or hide spam, never what it says.
Other control characters go too, except newlines and tabs. The rest is stored as typed and
shown escaped.
"""

from __future__ import annotations

import contextlib
import math
import re

from mediaserver.errors import DomainError

MAX_CHARS = 5000
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable rating or review"


def clean_review(raw: object) -> str:
    """The review text to store; 422 when it is empty or longer than MAX_CHARS."""
    if not isinstance(raw, str):
        raise Unprocessable("'text' must be text.", field="text")
    text = _INVISIBLE.sub("", raw.replace("\r\n", "\n")).strip()
    if not text:
        raise Unprocessable("Write something first: the review is empty.", field="text")
    if len(text) > MAX_CHARS:
        raise Unprocessable(
            f"A review may be at most {MAX_CHARS} characters ({len(text)} given).", field="text"
        )
    return text


def half_stars(raw: object) -> int:
    """A rating in stars (0.5 to 5 in steps of 0.5, as a number or its text) as half stars."""
    value = math.nan
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        with contextlib.suppress(ValueError):
            value = float(raw)
    doubled = value * 2
    # NaN fails the range test; only then is int() safe.
    if not 1 <= doubled <= 10 or doubled != int(doubled):
        raise Unprocessable("A rating is 0.5 to 5 stars in steps of half a star.", field="value")
    return int(doubled)
