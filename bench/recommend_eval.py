"""Offline evaluation of the recommendation model against its peers, in one run.

Reads any MovieLens-format folder: `ratings.csv` (userId,movieId,rating,timestamp) or the
tab-separated `u.data`; `movies.csv` (genres) and `tags.csv` feed the content-only figure when
present. Protocol: every rating is an implicit interaction; each user's last interaction by
timestamp is the test item; full ranking over every item not in the user's training data;
HR@10 and NDCG@10. Each model is tuned on a validation split carved from training (each user's
second-to-last interaction), never on the test items, then refitted on all of training.

Peers: popularity, item-kNN (cosine), EASE and `implicit` ALS. Ours is the model the server
trains (mediaserver.recommend.reco.model). Also printed: our training time on all of training,
the p99 of reading a profile's rows from the database as the server does, and content-only
similarity (genres and tags) against popularity.

    python bench/recommend_eval.py --dataset DIR
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit warns (and slows) otherwise

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from recommend_serving import print_figures, serving_p99  # noqa: E402

from mediaserver.recommend.reco import compute, content, model  # noqa: E402

K = 10
SERVING_REPEAT = 3  # fresh processes per tree; the figures are their medians


@dataclass(frozen=True)
class Dataset:
    data: model.Interactions
    item_terms: list[list[str]]
    years: np.ndarray  # release year per item (from the title), NaN where unknown


def load(folder: Path) -> Dataset:
    """Ratings (and metadata when present) with ids made dense."""
    rows: list[tuple[str, str, float]] = []
    if (folder / "ratings.csv").exists():
        with open(folder / "ratings.csv", newline="") as f:
            for rec in csv.DictReader(f):
                rows.append((rec["userId"], rec["movieId"], float(rec["timestamp"])))
    elif (folder / "u.data").exists():
        with open(folder / "u.data") as f:
            for line in f:
                user, item, _rating, stamp = line.split("\t")[:4]
                rows.append((user, item, float(stamp)))
    else:
        sys.exit(f"{folder}: no ratings.csv or u.data")
    user_ids: dict[str, int] = {}
    item_ids: dict[str, int] = {}
    users = np.array([user_ids.setdefault(u, len(user_ids)) for u, _, _ in rows], dtype=np.int64)
    items = np.array([item_ids.setdefault(i, len(item_ids)) for _, i, _ in rows], dtype=np.int64)
    times = np.array([t for _, _, t in rows])
    terms: list[list[str]] = [[] for _ in item_ids]
    years = np.full(len(item_ids), np.nan)
    if (folder / "movies.csv").exists():
        with open(folder / "movies.csv", newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                if rec["movieId"] in item_ids:
                    genres = [g for g in rec["genres"].split("|") if g != "(no genres listed)"]
                    terms[item_ids[rec["movieId"]]] += [f"genre:{g.lower()}" for g in genres]
                    year = re.search(r"\((\d{4})\)\s*$", rec["title"])
                    if year:
                        years[item_ids[rec["movieId"]]] = float(year.group(1))
                    # Title words find the same franchise (the server's collections do that).
                    name = re.sub(r"\(\d{4}\)\s*$", "", rec["title"])
                    terms[item_ids[rec["movieId"]]] += [f"title:{w}" for w in content.words(name)]
    if (folder / "tags.csv").exists():
        with open(folder / "tags.csv", newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                if rec["movieId"] in item_ids:
                    # The tag itself, and its words ("dark comedy" also matches "comedy").
                    tag = rec["tag"].strip().lower()
                    words = [f"tag:{w}" for w in content.words(tag) if w != tag]
                    terms[item_ids[rec["movieId"]]] += [f"tag:{tag}", *words]
    data = model.Interactions(users, items, times, len(user_ids), len(item_ids))
    return Dataset(data, terms, years)


@dataclass(frozen=True)
class Split:
    train: model.Interactions
    histories: list[np.ndarray]  # training items per user, oldest first
    targets: np.ndarray  # held-out item per user (-1 for users left out)
    nows: np.ndarray  # each user's last training time


def leave_last_out(data: model.Interactions) -> Split:
    """Each user's last interaction (by time, ties in input order) is held out."""
    order = np.lexsort((np.arange(len(data.users)), data.times, data.users))
    users = data.users[order]
    last = np.r_[users[1:] != users[:-1], True]
    counts = np.bincount(users, minlength=data.n_users)
    held = last & (counts[users] >= 2)
    keep = order[~held]
    train = model.Interactions(
        data.users[keep], data.items[keep], data.times[keep], data.n_users, data.n_items
    )
    targets = np.full(data.n_users, -1)
    targets[users[held]] = data.items[order[held]]
    histories = model.sequences(train)
    nows = np.array([0.0] * data.n_users)
    np.maximum.at(nows, train.users, train.times)
    return Split(train, histories, targets, nows)


def evaluate(split: Split, scores: np.ndarray) -> tuple[float, float]:
    """HR@10 and NDCG@10 over users with a target (means of `per_user`)."""
    hit, ndcg = per_user(split, scores)
    return float(hit.mean()), float(ndcg.mean())


def per_user(split: Split, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each user's expected hit@10 and NDCG@10; the user's training items never rank.

    Items scored the same as the target are ranked in random order (the expectation is taken):
    counting only the strictly better ones would credit a coarse scorer (a few genres, many
    exact ties) with hits it cannot make."""
    users = np.flatnonzero(split.targets >= 0)
    s = scores[users].astype(np.float64, copy=True)
    seen = model.user_item_matrix(split.train)[users]
    s[seen.nonzero()] = -np.inf
    target_scores = s[np.arange(len(users)), split.targets[users]]
    above = (s > target_scores[:, None]).sum(axis=1)
    tied = (s == target_scores[:, None]).sum(axis=1)  # the target and its ties
    gains = np.r_[0.0, np.cumsum(1 / np.log2(np.arange(K) + 2))]
    first, last = np.minimum(above, K), np.minimum(above + tied, K)
    return (last - first) / tied, (gains[last] - gains[first]) / tied


def paired_interval(a: np.ndarray, b: np.ndarray, draws: int = 5000) -> tuple[float, float]:
    """95% paired bootstrap interval of mean(a - b) over users (seeded: the same every run)."""
    diff = a - b
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, len(diff), (draws, len(diff)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


# Peers ------------------------------------------------------------------------------------


def popularity(split: Split) -> np.ndarray:
    counts = np.bincount(split.train.items, minlength=split.train.n_items).astype(float)
    return np.broadcast_to(counts, (split.train.n_users, split.train.n_items))


def item_knn(split: Split, k: int) -> np.ndarray:
    x = model.user_item_matrix(split.train)
    norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    norms[norms == 0] = 1
    xn = sp.csr_matrix(x @ sp.diags(1 / norms))
    sim = (xn.T @ xn).toarray().astype(np.float32)
    np.fill_diagonal(sim, 0)
    if k < sim.shape[0]:
        cut = np.argpartition(-sim, k, axis=1)[:, k:]
        np.put_along_axis(sim, cut, 0, axis=1)
    return np.asarray(x @ sim)


_EASE_CACHE: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}


def ease_weights(split: Split, l2: float) -> tuple[np.ndarray, np.ndarray]:
    key = (id(split), l2)
    if key not in _EASE_CACHE:
        x = model.user_item_matrix(split.train)
        _EASE_CACHE[key] = model.fit_ease(x, l2, model.Params().min_item_count)
    return _EASE_CACHE[key]


def ease(split: Split, l2: float) -> np.ndarray:
    keep, b = ease_weights(split, l2)
    x = model.user_item_matrix(split.train)
    out = np.zeros((x.shape[0], x.shape[1]))
    out[:, keep] = x[:, keep] @ b
    return out


def als(split: Split, factors: int, reg: float, alpha: float) -> np.ndarray:
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    x = model.user_item_matrix(split.train).astype(np.float32)
    with threadpool_limits(1, "blas"):
        m = AlternatingLeastSquares(
            factors=factors, regularization=reg, alpha=alpha, iterations=15, random_state=7
        )
        m.fit(x, show_progress=False)
    return np.asarray(m.user_factors) @ np.asarray(m.item_factors).T


# Ours -------------------------------------------------------------------------------------


def ours_model(split: Split, params: model.Params, terms: sp.csr_matrix | None) -> model.Model:
    m = model.fit(replace(split.train), params, terms)
    return m


def ours(split: Split, m: model.Model) -> np.ndarray:
    return m.score_batch(split.histories, split.nows)


GRID: dict[str, list[float]] = {
    "recency_decay": [0.0, 0.02, 0.05, 0.1, 0.2, 0.4],
    "history_floor": [0.05, 0.2, 0.5],
    "transition_weight": [0.0, 0.1, 0.3, 0.6, 1.0],
    "pop_weight": [0.0, 0.05, 0.15, 0.3, 0.6],
    "pop_half_life_days": [7.0, 30.0, 180.0, 1000.0],
    "content_weight": [0.0, 0.05, 0.15],
}


def tune_ours(val: Split, l2: float, terms: sp.csr_matrix | None) -> model.Params:
    """Coordinate ascent on validation NDCG@10 over the blending params (one fit)."""
    best = model.Params(l2=l2)
    fitted = ours_model(val, best, terms)
    best_ndcg = evaluate(val, ours(val, fitted))[1]
    for _round in range(2):
        for name, values in GRID.items():
            if name == "content_weight" and terms is None:
                continue
            for v in values:
                trial = replace(best, **{name: v})
                ndcg = evaluate(val, ours(val, model.with_params(fitted, trial)))[1]
                if ndcg > best_ndcg:
                    best, best_ndcg = trial, ndcg
    return best


@dataclass(frozen=True)
class ContentKnobs:
    """The content scorer's settings: its group weights and the model's content params."""

    groups: tuple[tuple[str, float], ...] = tuple(content.GROUP_WEIGHTS.items())
    decay: float = model.Params().content_decay
    year_weight: float = model.Params().year_weight
    year_scale: float = model.Params().year_scale
    release_weight: float = model.Params().release_weight
    release_scale: float = model.Params().release_scale

    def describe(self) -> str:
        groups = ", ".join(f"{g} {w:g}" for g, w in self.groups)
        return (
            f"groups {groups}; history decay {self.decay:g}, year weight {self.year_weight:g}"
            f" scale {self.year_scale:g}, release weight {self.release_weight:g}"
            f" scale {self.release_scale:g}"
        )


CONTENT_GRID: dict[str, list[float]] = {
    "genre": [0.0, 0.1, 0.3, 1.0],
    "title": [0.0, 0.3, 0.6, 1.0, 2.0],
    "decay": [0.3, 0.6, 1.0, 2.0, 3.0],
    "year_weight": [0.0, 0.1, 0.3, 0.6, 1.0],
    "year_scale": [2.0, 5.0, 10.0],
    "release_weight": [0.0, 0.1, 0.2, 0.4],
    "release_scale": [1.0, 2.0, 4.0],
}
CONTENT_SPLITS = 4  # validation splits: each user's 2nd- to 5th-to-last interaction


def _set(knobs: ContentKnobs, name: str, value: float) -> ContentKnobs:
    if hasattr(knobs, name):
        return replace(knobs, **{name: value})
    return replace(knobs, groups=tuple((g, value if g == name else w) for g, w in knobs.groups))


_TERMS_CACHE: dict[tuple, sp.csr_matrix] = {}


def content_only(
    split: Split, docs: list[list[str]], years: np.ndarray, knobs: ContentKnobs
) -> np.ndarray:
    """Scores from the model's content term alone (no plays by others): the server's scorer."""
    if knobs.groups not in _TERMS_CACHE:
        _TERMS_CACHE[knobs.groups] = content.term_matrix(docs, dict(knobs.groups))
    params = model.Params(
        content_decay=knobs.decay,
        year_weight=knobs.year_weight,
        year_scale=knobs.year_scale,
        release_weight=knobs.release_weight,
        release_scale=knobs.release_scale,
    )
    empty = model.Interactions(*(np.zeros(0, dtype=np.int64),) * 3, 0, split.train.n_items)
    fitted = model.fit(empty, params, _TERMS_CACHE[knobs.groups], years)
    return fitted.content_scores(split.histories, split.nows)


def tune_content(val: Split, docs: list[list[str]], years: np.ndarray) -> ContentKnobs:
    """Coordinate ascent from the server's settings, by HR@10 (the figure it is judged on)
    summed over several validation splits carved from training, since one split of a few
    hundred users is noisy."""
    splits = [val]
    while len(splits) < CONTENT_SPLITS:
        splits.append(leave_last_out(splits[-1].train))

    def score(knobs: ContentKnobs) -> float:
        return sum(evaluate(s, content_only(s, docs, years, knobs))[0] for s in splits)

    best = ContentKnobs()
    best_hr = score(best)
    for _round in range(2):
        improved = False
        for name, values in CONTENT_GRID.items():
            for v in values:
                trial = _set(best, name, v)
                if trial != best and (hr := score(trial)) > best_hr:
                    best, best_hr, improved = trial, hr, True
        if not improved:
            break
    return best


def tune(val: Split, fn: Callable[..., np.ndarray], grid: list[tuple]) -> tuple:
    scored = [(evaluate(val, fn(val, *args))[1], args) for args in grid]
    return max(scored, key=lambda t: t[0])[1]


def machine_load() -> str:
    """The machine's 1-minute load average: figures taken on a busy machine say so."""
    return f"{os.getloadavg()[0]:.1f}"


def print_serving(fitted: model.Model, test: Split, reference: Path | None = None) -> None:
    """The rows read in fresh processes, as after a restart (recommend_serving.py)."""
    print_figures(serving_p99(fitted, test.histories, test.nows, SERVING_REPEAT, reference),
                  SERVING_REPEAT)  # fmt: skip


def similarity(
    test: Split,
    val: Split,
    docs: list[list[str]],
    years: np.ndarray,
    pop: tuple[float, float],
    collaborative: tuple[float, float] | None,
) -> None:
    """Print the content-only figure (knobs tuned on validation) beside popularity, and what
    each of its parts is worth on its own (same knobs, the others switched off)."""
    knobs = tune_content(val, docs, years)
    hits, gains = per_user(test, content_only(test, docs, years, knobs))
    hr_c, ndcg_c = float(hits.mean()), float(gains.mean())
    print(f"similarity, content only ({knobs.describe()})")
    print(
        f"similarity (content only: genres, tags, title words and release year): HR@10 "
        f"{hr_c:.4f} vs popularity {pop[0]:.4f} ({hr_c / pop[0]:.2f}x); "
        f"NDCG@10 {ndcg_c:.4f} vs {pop[1]:.4f}"
    )
    parts = {
        "text only (no year terms)": replace(knobs, year_weight=0.0, release_weight=0.0),
        "without release recency": replace(knobs, release_weight=0.0),
    }
    # 600-odd users: say how sure the difference is, not just its sign.
    lo, hi = paired_interval(hits, per_user(test, popularity(test))[0])
    print(
        f"  content only minus popularity, HR@10: {hr_c - pop[0]:+.4f} (paired bootstrap 95% "
        f"interval {lo:+.4f} to {hi:+.4f}, {len(hits)} users)"
    )
    for name, part in parts.items():
        hr, ndcg = evaluate(test, content_only(test, docs, years, part))
        print(f"  content only, {name}: HR@10 {hr:.4f}, NDCG@10 {ndcg:.4f}")
    if collaborative is not None:
        print(f"collaborative (ours): HR@10 {collaborative[0]:.4f}, NDCG@10 {collaborative[1]:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--no-als", action="store_true", help="leave the implicit ALS peer out")
    parser.add_argument(
        "--similarity-only",
        action="store_true",
        help="only the content-only similarity figure against popularity",
    )
    parser.add_argument(
        "--serving-only",
        action="store_true",
        help="only the serving figures (the model fitted with the server's parameters)",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        help="an older tree of the code whose serving figures are printed beside ours",
    )
    args = parser.parse_args()
    ds = load(args.dataset)
    d = ds.data
    print(f"{args.dataset.name}: {d.n_users} users, {d.n_items} items, {len(d.users)} ratings")
    test = leave_last_out(d)
    val = leave_last_out(test.train)
    terms = content.term_matrix(ds.item_terms) if any(ds.item_terms) else None

    results: dict[str, tuple[float, float]] = {}
    results["popularity"] = evaluate(test, popularity(test))
    if args.serving_only:
        print_serving(ours_model(test, compute.PARAMS, terms), test, args.reference)
        return
    if args.similarity_only:
        if terms is None:
            sys.exit(f"{args.dataset}: no movies.csv or tags.csv for the content figure")
        similarity(test, val, ds.item_terms, ds.years, results["popularity"], None)
        return
    k = tune(val, item_knn, [(20,), (50,), (100,), (300,)])
    results[f"item-kNN (k={k[0]})"] = evaluate(test, item_knn(test, *k))
    (l2,) = tune(val, ease, [(20.0,), (50.0,), (150.0,), (400.0,), (1000.0,)])
    results[f"EASE (lambda={l2:g})"] = evaluate(test, ease(test, l2))
    if not args.no_als:
        grid = [(f, r, a) for f in (64, 128) for r in (0.05, 0.5) for a in (1.0, 5.0)]
        a = tune(val, als, grid)
        results[f"implicit ALS (f={a[0]}, reg={a[1]}, alpha={a[2]})"] = evaluate(
            test, als(test, *a)
        )
    peers = dict(results)

    params = tune_ours(val, l2, terms)
    began, cpu = time.perf_counter(), time.process_time()
    fitted = ours_model(test, params, terms)
    train_s, train_cpu = time.perf_counter() - began, time.process_time() - cpu
    results["ours"] = evaluate(test, ours(test, fitted))

    print(f"\n{'model':<48} {'HR@10':>7} {'NDCG@10':>8}")
    for name, (hr, ndcg) in results.items():
        print(f"{name:<48} {hr:7.4f} {ndcg:8.4f}")
    print(f"\nours: {params}")
    print(
        f"ours: training on {len(test.train.users)} interactions: {train_s:.1f} s wall, "
        f"{train_cpu:.1f} s CPU (all threads; {os.cpu_count()} cores here, load {machine_load()})"
    )
    print_serving(fitted, test, args.reference)

    if terms is not None:
        similarity(test, val, ds.item_terms, ds.years, results["popularity"], results["ours"])
    best_name, (_, best_ndcg) = max(peers.items(), key=lambda kv: kv[1][1])
    print(f"best peer: {best_name}")
    print(f"NDCG@10 ours/best peer: {results['ours'][1] / best_ndcg:.2f}x")


if __name__ == "__main__":
    main()
