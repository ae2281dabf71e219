"""The statistics behind poster tests: Thompson draws favour the better candidate, credible
intervals hold the rate, the stopping rule waits for evidence."""

from __future__ import annotations

import numpy as np

from mediaserver.recommend.artwork_ab.sampling import Arm, probability_best, stats, thompson, winner


def test_thompson_favours_the_candidate_with_more_plays() -> None:
    rng = np.random.default_rng(1)
    arms = [Arm(1, 500, 10), Arm(2, 500, 40)]
    picks = [thompson(arms, rng) for _ in range(200)]
    assert picks.count(2) > 190
    fresh = [Arm(1, 0, 0), Arm(2, 0, 0)]
    assert 60 < [thompson(fresh, rng) for _ in range(200)].count(1) < 140  # untried: both


def test_figures_and_the_stopping_rule() -> None:
    rng = np.random.default_rng(2)
    arms = [Arm(1, 2000, 100), Arm(2, 2000, 150), Arm(3, 2000, 90)]
    figures = stats(arms, rng)
    assert abs(sum(f.p_best for f in figures) - 1) < 1e-9
    assert all(f.low < f.plays / f.impressions < f.high for f in figures)
    assert figures[1].p_best > 0.99
    assert winner(arms, rng, 0.95, 200) == 2
    assert winner(arms, rng, 0.95, 10_000) is None  # not enough impressions yet
    close = [Arm(1, 300, 15), Arm(2, 300, 17)]
    assert winner(close, rng, 0.95, 200) is None
    assert max(probability_best(close, rng)) < 0.95
