"""Content similarity: TF-IDF over a title's metadata, cosine between titles.

Each title is a bag of fielded terms ("genre:drama", "cast:42", "word:heist", "decade:1990"),
each field with its own weight; terms are weighted by inverse document frequency, so a shared
rare actor counts for more than a shared "Drama". Works for a title nobody has played.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Common words that say nothing about a title; the IDF weighting handles the rest.
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "his",
        "her",
        "their",
        "they",
        "them",
        "into",
        "when",
        "where",
        "who",
        "what",
        "which",
        "while",
        "after",
        "before",
        "about",
        "over",
        "under",
        "but",
        "not",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "its",
        "one",
        "two",
        "out",
        "all",
        "can",
        "will",
        "more",
        "most",
        "than",
        "then",
        "there",
        "been",
        "being",
        "also",
        "only",
        "just",
        "very",
    ]
)

FIELD_WEIGHTS: Mapping[str, float] = {
    "genre": 1.0,
    "tag": 1.0,
    "keyword": 0.8,
    "collection": 2.0,
    "cast": 0.7,
    "crew": 0.7,
    "decade": 0.3,
    "word": 0.25,
}


def words(text: str) -> list[str]:
    """Description words worth matching on (lower case, no stop words)."""
    return [w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in _STOP]


def term_matrix(docs: Sequence[Iterable[str]]) -> sp.csr_matrix:
    """Rows: documents of "field:value" terms; TF-IDF weighted, field-weighted, L2-normalised."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, doc in enumerate(docs):
        counts: dict[str, float] = {}
        for term in doc:
            counts[term] = counts.get(term, 0.0) + 1.0
        for term, n in counts.items():
            field = term.split(":", 1)[0]
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append((1.0 + float(np.log(n))) * FIELD_WEIGHTS.get(field, 0.5))
    n_docs = len(docs)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n_docs, max(len(vocab), 1)))
    df = np.bincount(m.indices, minlength=m.shape[1])
    idf = np.log((1 + n_docs) / (1 + df)) + 1.0
    m = sp.csr_matrix(m @ sp.diags(idf))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def similar_to(matrix: sp.csr_matrix, row: int, top: int) -> list[tuple[int, float]]:
    """The `top` rows most similar to `row` (cosine), itself left out, best first."""
    sims = (matrix @ matrix[row].T).toarray().ravel()
    sims[row] = -1.0
    idx = np.argpartition(-sims, min(top, len(sims) - 1))[:top]
    idx = idx[np.argsort(-sims[idx])]
    return [(int(i), float(sims[i])) for i in idx if sims[i] > 0]


def history_scores(
    matrix: sp.csr_matrix,
    years: np.ndarray | None,
    histories: Sequence[np.ndarray],
    decay: float,
    year_weight: float,
    year_scale: float,
) -> np.ndarray:
    """Content-only scores (users x items) from each history (item rows, oldest first).

    Cosine to the history with weight exp(-decay * rank from the newest), scaled so each user's
    best is 1, plus `year_weight` times exp(-|year - the recent items' weighted mean year| /
    `year_scale`): what someone watches next is close in taste and in era to what they watched
    last. `years` holds each item's release year, NaN where unknown (no year term for it).
    """
    n_users, n_items = len(histories), matrix.shape[0]
    rows, cols, vals, centres = [], [], [], np.full(n_users, np.nan)
    for u, hist in enumerate(histories):
        if len(hist) == 0:
            continue
        w = np.exp(-decay * np.arange(len(hist))[::-1])
        rows.append(np.full(len(hist), u))
        cols.append(hist)
        vals.append(w)
        if years is not None:
            known = ~np.isnan(years[hist])
            if known.any() and w[known].sum() > 0:
                centres[u] = float((w[known] * years[hist][known]).sum() / w[known].sum())
    scores = np.zeros((n_users, n_items))
    if not rows:
        return scores
    weighted = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_users, n_items),
    )
    scores = ((weighted @ matrix) @ matrix.T).toarray()
    top = np.abs(scores).max(axis=1, keepdims=True)
    top[top == 0] = 1.0
    scores /= top
    if years is not None and year_weight:
        near = np.exp(-np.abs(years[None, :] - centres[:, None]) / year_scale)
        scores += year_weight * np.nan_to_num(near, nan=0.0)
    return scores
