"""Content similarity: TF-IDF over a title's metadata, per group of fields, summed with weights.

Each title is a bag of fielded terms ("genre:drama", "tag:heist", "title:godfather", "cast:42",
"decade:1990"). Fields fall in groups (genres, tags and keywords, title words and collection,
people, description words); within a group terms are TF-IDF weighted, so a shared rare actor
counts for more than a shared "Drama", and each group's vector is normalised on its own, so a
title with forty tags does not drown its genres. The dot product of two rows is the weighted
mean of the groups' cosines. Nothing here reads anyone's plays: it works for a title nobody has
played.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Common words that say nothing about a title; the IDF weighting handles the rest.
# fmt: off
_STOP = frozenset([
    "the", "and", "for", "with", "that", "this", "from", "his", "her", "their", "they", "them",
    "into", "when", "where", "who", "what", "which", "while", "after", "before", "about",
    "over", "under", "but", "not", "are", "was", "were", "has", "have", "had", "its", "one",
    "two", "out", "all", "can", "will", "more", "most", "than", "then", "there", "been",
    "being", "also", "only", "just", "very",
])
# fmt: on

# Which group each field belongs to; a field not listed counts as description words.
FIELD_GROUPS: Mapping[str, str] = {
    "genre": "genre",
    "decade": "genre",
    "tag": "tags",
    "keyword": "tags",
    "title": "title",
    "collection": "title",
    "cast": "people",
    "crew": "people",
    "word": "words",
}
# A field's weight within its group (1 when not listed).
FIELD_WEIGHTS: Mapping[str, float] = {"decade": 0.3, "keyword": 0.8, "collection": 2.0}
# Genres, tags and title words tuned on MovieLens (bench/recommend_eval.py, validation splits
# only); people and description words are not in MovieLens and are set by judgement.
GROUP_WEIGHTS: Mapping[str, float] = {
    "genre": 0.3,
    "tags": 1.0,
    "title": 0.6,
    "people": 0.6,
    "words": 0.3,
}
# Titles are most often watched about a year after release (cinema, then home release).
RELEASE_LAG_YEARS = 1.0
_YEAR_S = 365.2425 * 86400.0


def words(text: str) -> list[str]:
    """Description words worth matching on (lower case, no stop words)."""
    return [w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in _STOP]


def term_matrix(
    docs: Sequence[Iterable[str]], group_weights: Mapping[str, float] = GROUP_WEIGHTS
) -> sp.csr_matrix:
    """Rows: documents of "field:value" terms, as one block per field group, each block TF-IDF
    weighted and scaled to length sqrt(group weight / all weights): the dot product of two rows
    is the weighted mean of the groups' cosines (1 for identical titles with every group)."""
    docs = [list(doc) for doc in docs]
    total = sum(group_weights.values()) or 1.0
    blocks = []
    for group, weight in group_weights.items():
        part = [[t for t in doc if _group(t) == group] for doc in docs]
        blocks.append(_tfidf(part) * float(np.sqrt(weight / total)))
    return sp.csr_matrix(sp.hstack(blocks, format="csr"))


def _group(term: str) -> str:
    return FIELD_GROUPS.get(term.split(":", 1)[0], "words")


def _tfidf(docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """Rows L2-normalised (all zero for a document without terms)."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, doc in enumerate(docs):
        counts: dict[str, float] = {}
        for term in doc:
            counts[term] = counts.get(term, 0.0) + 1.0
        for term, n in counts.items():
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append((1.0 + float(np.log(n))) * FIELD_WEIGHTS.get(term.split(":", 1)[0], 1.0))
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
    nows: np.ndarray | None = None,
    release_weight: float = 0.0,
    release_scale: float = 2.0,
) -> np.ndarray:
    """Content-only scores (users x items) from each history (item rows, oldest first).

    Similarity to the history with weight exp(-decay * rank from the newest), scaled so each
    user's best is 1; plus `year_weight` times exp(-|year - the history's weighted mean year| /
    `year_scale`): what someone watches next is close in taste and in era to what they watched
    last; plus `release_weight` times exp(-|years since release at `nows` (seconds) - a year| /
    `release_scale`): titles are mostly watched soon after release. `years` holds each item's
    release year, NaN where unknown (no year terms for it). A user without history scores 0.
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
    if years is None:
        return scores
    if year_weight:
        near = np.exp(-np.abs(years[None, :] - centres[:, None]) / year_scale)
        scores += year_weight * np.nan_to_num(near, nan=0.0)
    if release_weight and nows is not None:
        # Only for users with a history: a blank profile gets nothing from content.
        has_history = np.diff(weighted.indptr) > 0
        now_year = np.where(has_history, 1970.0 + np.asarray(nows, dtype=float) / _YEAR_S, np.nan)
        age = now_year[:, None] - years[None, :] - RELEASE_LAG_YEARS
        scores += release_weight * np.nan_to_num(np.exp(-np.abs(age) / release_scale), nan=0.0)
    return scores
