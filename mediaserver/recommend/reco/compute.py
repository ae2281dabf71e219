"""The training run's arithmetic (pure, run in a thread): fit the model on every profile's
signals and rank, per profile, the titles it may see; each title's similar titles; trending."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediaserver.recommend.reco import content, model
from mediaserver.recommend.reco.signals import ProfileSignals, TitleMeta

# Tuned on MovieLens with bench/recommend_eval.py (validation split, never the test items). Content
# similarity did not help there (tuned weight 0) but keeps a small weight here: it is all a title
# nobody has played has, and a home server's few profiles give EASE little to learn from.
PARAMS = model.Params(
    l2=50.0,
    recency_decay=0.1,
    history_floor=0.2,
    transition_weight=0.6,
    pop_weight=0.15,
    pop_half_life_days=90.0,
    content_weight=0.1,
    # The content term's own knobs: those tuned for content alone (model.Params' defaults).
    content_decay=0.6,
    year_weight=0.3,
    year_scale=10.0,
    release_weight=0.2,
    release_scale=2.0,
)
COLLAB_IN_SIMILAR = 0.5  # how much co-watching adds to content in More like this
SIMILAR_CHUNK = 512


@dataclass(frozen=True, slots=True)
class Pick:
    title_id: int
    score: float
    because_title_id: int | None


@dataclass(frozen=True, slots=True)
class Precomputed:
    picks: dict[tuple[int, str], list[Pick]]  # (profile id, "top" | "new") -> ranked
    similar: dict[int, list[tuple[int, float]]]  # title id -> ranked (other id, score)
    trending: list[tuple[int, float]]
    interactions: int


@dataclass(frozen=True, slots=True)
class Inputs:
    signals: list[ProfileSignals]
    titles: list[TitleMeta]
    visible: dict[int, list[int]]  # profile id -> title ids it may see
    recent_plays: list[tuple[int, float]]
    now: float
    picks_per_profile: int
    similar_per_title: int
    new_days: int
    trending_half_life_days: float


def _interactions(inputs: Inputs, index: dict[int, int]) -> model.Interactions:
    users, items, times, weights = [], [], [], []
    for u, ps in enumerate(inputs.signals):
        for tid, s in ps.titles.items():
            if tid in index and s.strength > 0 and not s.disliked:
                users.append(u)
                items.append(index[tid])
                times.append(s.last_at)
                weights.append(s.strength)
    return model.Interactions(
        np.array(users, dtype=np.int64),
        np.array(items, dtype=np.int64),
        np.array(times, dtype=np.float64),
        len(inputs.signals),
        len(index),
        np.array(weights, dtype=np.float64),
    )


def trending(plays: list[tuple[int, float]], now: float, half_life_days: float) -> list:
    scores: dict[int, float] = {}
    for tid, at in plays:
        scores[tid] = scores.get(tid, 0.0) + 2.0 ** (-(now - at) / (half_life_days * model.DAY))
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:100]


def _top(scores: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    candidates = np.flatnonzero(allowed)
    if len(candidates) > n:
        part = np.argpartition(-scores[candidates], n)[:n]
        candidates = candidates[part]
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def run(inputs: Inputs) -> Precomputed:
    ids = np.array([t.id for t in inputs.titles], dtype=np.int64)
    index = {int(tid): i for i, tid in enumerate(ids)}
    data = _interactions(inputs, index)
    terms = content.term_matrix([t.terms for t in inputs.titles])
    years = np.array([np.nan if t.year is None else float(t.year) for t in inputs.titles])
    fitted = model.fit(data, PARAMS, terms, years)
    pop = fitted.popularity_at(inputs.now)
    added = np.array([t.added_at for t in inputs.titles])
    # Newer titles first among equals (a server with no plays yet still has an order).
    tie = (added - added.min()) / max(float(np.ptp(added)), 1.0) * 1e-6 if len(added) else added
    histories = [np.array([index[t] for t in ps.history() if t in index]) for ps in inputs.signals]
    scores = fitted.score_batch(histories, np.full(len(histories), inputs.now), pop) + tie
    picks: dict[tuple[int, str], list[Pick]] = {}
    is_new = added >= inputs.now - inputs.new_days * model.DAY
    for u, ps in enumerate(inputs.signals):
        allowed = np.zeros(len(ids), dtype=bool)
        allowed[[index[t] for t in inputs.visible.get(ps.profile.id, []) if t in index]] = True
        rewatch = ps.rewatches()
        for tid, s in ps.titles.items():
            # Titles already started drop out, finished ones too unless rewatching is the habit.
            if tid in index and (s.disliked or not (rewatch and s.finished)):
                allowed[index[tid]] = False
        for tid in ps.not_interested:
            if tid in index:
                allowed[index[tid]] = False
        for name, mask in (("top", allowed), ("new", allowed & is_new)):
            top = _top(scores[u], mask, inputs.picks_per_profile)
            because = fitted.because(histories[u], top) if len(top) else top
            picks[(ps.profile.id, name)] = [
                Pick(int(ids[i]), float(scores[u, i]), int(ids[b]) if b >= 0 else None)
                for i, b in zip(top, because, strict=True)
            ]
    similar = _similar(fitted, terms, ids, inputs.similar_per_title)
    return Precomputed(
        picks,
        similar,
        trending(inputs.recent_plays, inputs.now, inputs.trending_half_life_days),
        len(data.users),
    )


def _similar(fitted: model.Model, terms, ids: np.ndarray, n: int) -> dict:
    """Content similarity blended with co-watching (EASE weights), in chunks of rows."""
    out: dict[int, list[tuple[int, float]]] = {}
    pos = np.full(len(ids), -1)
    pos[fitted.ease_items] = np.arange(len(fitted.ease_items))
    for start in range(0, len(ids), SIMILAR_CHUNK):
        rows = np.arange(start, min(start + SIMILAR_CHUNK, len(ids)))
        sims = (terms[rows] @ terms.T).toarray()
        for k, i in enumerate(rows):
            if pos[i] >= 0:
                collab = np.zeros(len(ids))
                collab[fitted.ease_items] = np.maximum(fitted.ease[pos[i]], 0)
                top = collab.max()
                if top > 0:
                    sims[k] += COLLAB_IN_SIMILAR * collab / top
            sims[k, i] = 0.0
        for k, i in enumerate(rows):
            order = _top(sims[k], sims[k] > 0, n)
            out[int(ids[i])] = [(int(ids[j]), float(sims[k, j])) for j in order]
    return out
