"""The recommendation model: EASE over the whole history, read with recency, plus what tends
to come next and what is popular now.

A score for every item is a blend of
- EASE (Steck 2019, a closed-form item-to-item linear model) applied to the profile's history,
  with each past item weighted by how recent it is in the profile's own sequence, since the next
  thing watched follows the latest taste more than the oldest;
- a sequential transition term: items that followed the profile's last few items in other
  profiles' sequences;
- popularity at the profile's "now" (interactions decayed by age), so trending titles lift;
- optionally content similarity to the history, which is all a title nobody has played has.

Pure numpy/scipy; no I/O, so the benchmark measures exactly what the server runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from mediaserver.recommend.reco import content as content_sim

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Interactions:
    """One row per (user, item) event, indices dense from 0; times in epoch seconds."""

    users: np.ndarray
    items: np.ndarray
    times: np.ndarray
    n_users: int
    n_items: int
    weights: np.ndarray | None = None  # strength of each event (1 when None)

    def strengths(self) -> np.ndarray:
        return np.ones(len(self.users)) if self.weights is None else self.weights


@dataclass(frozen=True, slots=True)
class Params:
    l2: float = 200.0  # EASE regularisation
    min_item_count: int = 2  # items seen fewer times get no EASE column (only pop/content)
    recency_decay: float = 0.05  # history weight exp(-decay * rank from the newest)
    history_floor: float = 0.2  # the oldest items keep at least this weight
    transition_weight: float = 0.3
    transition_window: int = 3  # an item "follows" another within this many steps
    transition_last: int = 5  # how many of the newest items the transition term looks at
    pop_weight: float = 0.1
    pop_half_life_days: float = 90.0
    content_weight: float = 0.0
    # Content's own knobs, tuned on MovieLens for content alone (bench/recommend_eval.py).
    content_decay: float = 0.6  # content reads the history by exp(-decay * rank from the newest)
    year_weight: float = 0.3  # release-year closeness to the recent history, within content
    year_scale: float = 10.0  # years
    release_weight: float = 0.2  # titles released about a year before now, within content
    release_scale: float = 2.0  # years


@dataclass(slots=True)
class Model:
    params: Params
    n_items: int
    ease_items: np.ndarray  # item ids with an EASE column
    ease: np.ndarray  # B, len(ease_items) square, zero diagonal
    transitions: sp.csr_matrix  # n_items square, rows normalised
    item_times: np.ndarray  # per event, sorted, for popularity at a time
    item_of_time: np.ndarray
    item_strength: np.ndarray
    content: sp.csr_matrix | None = None  # n_items x terms (content.term_matrix)
    years: np.ndarray | None = None  # release year per item, NaN where unknown

    def popularity_at(self, now: float) -> np.ndarray:
        """Each item's interactions up to `now`, decayed by age (half-life in the params)."""
        end = np.searchsorted(self.item_times, now, side="right")
        age = (now - self.item_times[:end]) / (self.params.pop_half_life_days * DAY)
        weights = self.item_strength[:end] * np.exp2(-age)
        return np.bincount(self.item_of_time[:end], weights=weights, minlength=self.n_items)

    def score_batch(
        self, histories: list[np.ndarray], nows: np.ndarray, pop: np.ndarray | None = None
    ) -> np.ndarray:
        """Scores (users x items) for histories given as item ids oldest first; items in the
        history are not masked here (callers decide what may be shown again)."""
        p = self.params
        n = len(histories)
        rows, cols, vals, trows, tcols, tvals = [], [], [], [], [], []
        for u, hist in enumerate(histories):
            if len(hist) == 0:
                continue
            rank = np.arange(len(hist))[::-1]
            w = p.history_floor + (1 - p.history_floor) * np.exp(-p.recency_decay * rank)
            rows.append(np.full(len(hist), u))
            cols.append(hist)
            vals.append(w)
            last = hist[-p.transition_last :]
            tw = np.exp(-np.arange(len(last))[::-1] * 0.5)
            trows.append(np.full(len(last), u))
            tcols.append(last)
            tvals.append(tw)
        scores = np.zeros((n, self.n_items))
        if not rows:
            if p.pop_weight and n:
                scores += p.pop_weight * self._pop_rows(nows, pop)
            return scores
        weighted = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n, self.n_items),
        )
        if len(self.ease_items):
            ease_part = weighted[:, self.ease_items] @ self.ease
            scores[:, self.ease_items] = _row_unit(ease_part)
        if p.transition_weight:
            recent = sp.csr_matrix(
                (np.concatenate(tvals), (np.concatenate(trows), np.concatenate(tcols))),
                shape=(n, self.n_items),
            )
            scores += p.transition_weight * _row_unit((recent @ self.transitions).toarray())
        if p.content_weight and self.content is not None:
            scores += p.content_weight * _row_unit(self.content_scores(histories, nows))
        if p.pop_weight:
            scores += p.pop_weight * self._pop_rows(nows, pop)
        return scores

    def content_scores(
        self, histories: list[np.ndarray], nows: np.ndarray | None = None
    ) -> np.ndarray:
        """Content-only scores: similarity to the newest history items and their era, and (given
        each user's time) how recently each title came out."""
        assert self.content is not None
        p = self.params
        return content_sim.history_scores(
            self.content,
            self.years,
            histories,
            p.content_decay,
            p.year_weight,
            p.year_scale,
            nows,
            p.release_weight,
            p.release_scale,
        )

    def _pop_rows(self, nows: np.ndarray, pop: np.ndarray | None) -> np.ndarray:
        if pop is not None:
            return np.broadcast_to(_unit(np.log1p(pop)), (len(nows), self.n_items))
        # Popularity changes slowly: compute it at a few hundred instants, not per user.
        grid = np.unique(np.quantile(nows, np.linspace(0, 1, min(len(nows), 256))))
        table = np.stack([_unit(np.log1p(self.popularity_at(t))) for t in grid])
        return table[np.clip(np.searchsorted(grid, nows, side="left"), 0, len(grid) - 1)]

    def because(self, history: np.ndarray, items: np.ndarray) -> np.ndarray:
        """For each recommended item, the history item that contributes most to it (-1: none)."""
        if len(history) == 0 or len(items) == 0:
            return np.full(len(items), -1)
        p = self.params
        rank = np.arange(len(history))[::-1]
        w = p.history_floor + (1 - p.history_floor) * np.exp(-p.recency_decay * rank)
        contrib = np.zeros((len(history), len(items)))
        pos = np.full(self.n_items, -1)
        pos[self.ease_items] = np.arange(len(self.ease_items))
        hp, ip = pos[history], pos[items]
        rows, cols = np.flatnonzero(hp >= 0), np.flatnonzero(ip >= 0)
        if len(rows) and len(cols):
            contrib[np.ix_(rows, cols)] = self.ease[np.ix_(hp[rows], ip[cols])]
        contrib += p.transition_weight * self.transitions[history][:, items].toarray()
        if p.content_weight and self.content is not None:
            sims = (self.content[history] @ self.content[items].T).toarray()
            contrib += p.content_weight * sims
        contrib *= w[:, None]
        best = contrib.argmax(axis=0)
        return np.where(contrib.max(axis=0) > 0, history[best], -1)

    def similar_items(self, item: int) -> np.ndarray:
        """Collaborative item-to-item scores from the EASE weights (0 for unseen items)."""
        out = np.zeros(self.n_items)
        where = np.searchsorted(self.ease_items, item)
        if where < len(self.ease_items) and self.ease_items[where] == item:
            out[self.ease_items] = self.ease[where]
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    top = float(np.max(np.abs(v))) if v.size else 0.0
    return v / top if top > 0 else v


def _row_unit(m: np.ndarray) -> np.ndarray:
    top = np.abs(m).max(axis=1, keepdims=True)
    top[top == 0] = 1.0
    return m / top


def sequences(data: Interactions) -> list[np.ndarray]:
    """Each user's items, oldest first (ties keep input order)."""
    order = np.lexsort((np.arange(len(data.users)), data.times, data.users))
    users, items = data.users[order], data.items[order]
    bounds = np.searchsorted(users, np.arange(data.n_users + 1))
    return [items[bounds[u] : bounds[u + 1]] for u in range(data.n_users)]


def fit_ease(matrix: sp.csr_matrix, l2: float, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """EASE weights over the items seen at least `min_count` times."""
    counts = np.asarray((matrix > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= min_count)
    if len(keep) == 0:
        return keep, np.zeros((0, 0), dtype=np.float32)
    sub = matrix[:, keep]
    gram = (sub.T @ sub).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    inv = np.linalg.inv(gram)
    b = inv / (-np.diag(inv))
    b[np.diag_indices_from(b)] = 0.0
    return keep, b.astype(np.float32)


def fit_transitions(seqs: list[np.ndarray], n_items: int, window: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for seq in seqs:
        for k in range(1, window + 1):
            if len(seq) > k:
                rows.append(seq[:-k])
                cols.append(seq[k:])
                vals.append(np.full(len(seq) - k, 1.0 / k))
    if not rows:
        return sp.csr_matrix((n_items, n_items))
    t = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )
    out_degree = np.asarray(t.sum(axis=1)).ravel()
    return sp.diags(1.0 / np.maximum(out_degree, 1.0) ** 0.5) @ t


def user_item_matrix(data: Interactions, binary: bool = True) -> sp.csr_matrix:
    vals = np.ones(len(data.users)) if binary else data.strengths()
    m = sp.csr_matrix((vals, (data.users, data.items)), shape=(data.n_users, data.n_items))
    if binary:
        m.data[:] = 1.0
    return m


def fit(
    data: Interactions,
    params: Params,
    content: sp.csr_matrix | None = None,
    years: np.ndarray | None = None,
) -> Model:
    """Train on all of `data` (CPU-bound: run it in a thread or a job, never on the loop)."""
    matrix = user_item_matrix(data)
    keep, b = fit_ease(matrix, params.l2, params.min_item_count)
    trans = fit_transitions(sequences(data), data.n_items, params.transition_window)
    order = np.argsort(data.times, kind="stable")
    return Model(
        params=params,
        n_items=data.n_items,
        ease_items=keep,
        ease=b,
        transitions=trans.tocsr(),
        item_times=data.times[order].astype(np.float64),
        item_of_time=data.items[order],
        item_strength=data.strengths()[order],
        content=content,
        years=years,
    )


def with_params(model: Model, params: Params) -> Model:
    """The same fitted weights read with other blending params (no refit)."""
    return replace(model, params=params)
