"""Poster A/B tests: a simulation with known play rates, run through the server's own chooser
(`mediaserver.recommend.artwork_ab.sampling`: Thompson draws, the probability-best stopping rule
and its defaults).

200 titles, each with 2-5 poster candidates whose true play rates are a title's base rate
(2-10%) times a factor from 0.6 to 1.4 per candidate, redrawn until the best leads the second by
at least 20% (--min-gap: closer candidates cannot be told apart with 10,000 impressions at these
rates, and choosing either costs almost nothing); 10,000 impressions per title, shown in
batches of 50 (what one batch of page views sees before their plays come back). After each batch
the posteriors are updated and the stopping rule is checked; once a winner is declared every
later impression shows it. The peer is the even split (each candidate shown equally, no
learning).

    python bench/bench_artwork_ab.py
    python bench/bench_artwork_ab.py --titles 50 --seed 3

Prints how often the true best candidate is the one served at the end (target >= 95%) and the
cumulative regret (expected plays lost against always showing the true best) of Thompson
sampling divided by the even split's (target <= 0.3x).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402

from mediaserver.recommend.artwork_ab.sampling import (  # noqa: E402
    DECISION_DRAWS,
    Arm,
    probability_best,
    thompson,
    winner,
)

STOP = 0.95  # the settings' defaults
MIN_IMPRESSIONS = 200
BATCH = 50


def run_title(rates: np.ndarray, impressions: int, rng: np.random.Generator) -> tuple[int, float]:
    """(the candidate served at the end, expected regret) for one title."""
    k = len(rates)
    shown = np.zeros(k, np.int64)
    plays = np.zeros(k, np.int64)
    regret = 0.0
    decided: int | None = None
    done = 0
    while done < impressions:
        n = min(BATCH, impressions - done)
        arms = [Arm(i, int(shown[i]), int(plays[i])) for i in range(k)]
        if decided is None:
            picks = np.array([thompson(arms, rng) for _ in range(n)])
        else:
            picks = np.full(n, decided)
        counts = np.bincount(picks, minlength=k)
        shown += counts
        plays += rng.binomial(counts, rates)
        regret += float((counts * (rates.max() - rates)).sum())
        done += n
        if decided is None:
            arms = [Arm(i, int(shown[i]), int(plays[i])) for i in range(k)]
            decided = winner(arms, rng, STOP, MIN_IMPRESSIONS, DECISION_DRAWS)
    if decided is None:  # still exploring: the admin page would show the likeliest best
        arms = [Arm(i, int(shown[i]), int(plays[i])) for i in range(k)]
        decided = int(np.argmax(probability_best(arms, rng)))
    return decided, regret


def draw_rates(rng: np.random.Generator, min_gap: float) -> np.ndarray:
    """A title's true rates: 2-5 candidates, the best at least `min_gap` (relative) above the
    second."""
    k = int(rng.integers(2, 6))
    while True:
        rates = rng.uniform(0.02, 0.10) * rng.uniform(0.6, 1.4, size=k)
        top = np.sort(rates)[::-1]
        if top[0] >= top[1] * (1 + min_gap):
            return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=200)
    parser.add_argument("--impressions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--min-gap",
        type=float,
        default=0.20,
        help="the best candidate's least relative lead over the second",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    right = 0
    ours = even = 0.0
    start = time.perf_counter()
    for _ in range(args.titles):
        rates = draw_rates(rng, args.min_gap)
        chosen, regret = run_title(rates, args.impressions, rng)
        right += chosen == int(np.argmax(rates))
        ours += regret
        even += args.impressions * float(rates.max() - rates.mean())
    took = time.perf_counter() - start
    print(f"{args.titles} titles, 2-5 candidates (best >= {args.min_gap:.0%} above the second), "
          f"{args.impressions:,} impressions each ({took:.1f} s)")  # fmt: skip
    print(f"true best served at the end: {right}/{args.titles} ({100 * right / args.titles:.1f}%, "
          f"target >= 95%)")  # fmt: skip
    print(f"cumulative regret: Thompson {ours:.0f} plays, even split {even:.0f} plays")
    print(f"regret Thompson/even split: {ours / even:.3f}x (target <= 0.3x)")


if __name__ == "__main__":
    main()
