"""What is kept of a moment's text, and the smoothing of the reaction strip."""

from __future__ import annotations

from mediaserver.social.reactions.records import MOMENT_MAX_CHARS, Unprocessable
from mediaserver.social.text import kept_text


def clean_moment(raw: object) -> str:
    """The text to store: invisible characters removed, ends trimmed; 422 when empty or longer
    than MOMENT_MAX_CHARS."""
    return kept_text(raw, noun="comment", max_chars=MOMENT_MAX_CHARS, error=Unprocessable)


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
