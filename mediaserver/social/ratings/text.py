"""Review text and rating values as given: what is kept, and what is refused with 422.

Invisible direction controls (overrides, embeddings, isolates, marks) and zero-width characters
are removed, not refused: they change how the text looks or hide spam, never what it says.
Other control characters go too, except newlines and tabs. The rest is stored as typed and
shown escaped.
"""

from __future__ import annotations

import contextlib
import math

from mediaserver.errors import DomainError
from mediaserver.social.text import kept_text

MAX_CHARS = 5000


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable rating or review"


def clean_review(raw: object) -> str:
    """The review text to store; 422 when it is empty or longer than MAX_CHARS."""
    return kept_text(raw, noun="review", max_chars=MAX_CHARS, error=Unprocessable)


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
