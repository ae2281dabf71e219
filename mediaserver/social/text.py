"""What is kept of text a viewer typed (comments, moments, reviews, clip names).

Invisible direction controls (overrides, embeddings, isolates, marks) and zero-width characters
are removed, not refused: they change how the text looks or hide spam, never what it says.
Other control characters go too, except newlines and tabs. What is left is stored as typed and
shown escaped.
"""

from __future__ import annotations

import re

from mediaserver.errors import DomainError

INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


def kept_text(raw: object, *, noun: str, max_chars: int, error: type[DomainError]) -> str:
    """The text to store: invisible characters removed, ends trimmed; `error` (a 422) when it is
    not text, empty, or longer than `max_chars`."""
    if not isinstance(raw, str):
        raise error("'text' must be text.", field="text")
    text = INVISIBLE.sub("", raw.replace("\r\n", "\n")).strip()
    if not text:
        raise error(f"Write something first: the {noun} is empty.", field="text")
    if len(text) > max_chars:
        raise error(
            f"A {noun} may be at most {max_chars} characters ({len(text)} given).", field="text"
        )
    return text
