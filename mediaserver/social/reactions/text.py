"""What is kept of a moment's text, and the smoothing of the reaction strip."""

from __future__ import annotations

import re

from mediaserver.social.reactions.records import MOMENT_MAX_CHARS, Unprocessable

# Direction overrides/isolates/marks, zero-width characters and other controls (newlines and tabs
# excepted) are removed, not refused: they change how text looks or hide spam, never what it says.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


def clean_moment(raw: object) -> str:
    """The text to store: invisible characters removed, ends trimmed; 422 when empty or longer
    than MOMENT_MAX_CHARS."""
    if not isinstance(raw, str):
        raise Unprocessable("'text' must be text.", field="text")
    text = _INVISIBLE.sub("", raw.replace("\r\n", "\n")).strip()
    if not text:
        raise Unprocessable("Write something first: the comment is empty.", field="text")
    if len(text) > MOMENT_MAX_CHARS:
        raise Unprocessable(
            f"A comment may be at most {MOMENT_MAX_CHARS} characters ({len(text)} given).",
            field="text",
        )
    return text


def smooth(counts: list[int]) -> list[float]:
    """A 1-2-3-2-1 moving average scaled so the highest bucket is 1 (all zeros stay zeros):
    a cluster reads as one hill rather than a comb of single seconds."""
    weights = (1, 2, 3, 2, 1)
    half = len(weights) // 2
    out: list[float] = []
    for i in range(len(counts)):
        total = weight = 0
        for k, w in enumerate(weights):
            j = i + k - half
            if 0 <= j < len(counts):
                total += counts[j] * w
                weight += w
        out.append(total / weight if weight else 0.0)
    top = max(out, default=0.0)
    return [round(v / top, 4) if top else 0.0 for v in out]
