"""The statistics of a poster test, with no I/O: Thompson sampling, credible intervals, the
probability that each candidate is best, and when to stop exploring.

Each candidate's play rate (plays started from its card per impression) has the posterior
Beta(1 + plays, 1 + impressions - plays) under a uniform prior. A profile is shown the candidate
whose draw from its posterior is highest (Thompson sampling): candidates that look better are
shown more, uncertain ones still get tried. The same functions drive the server and the
simulation in bench/bench_artwork_ab.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta

PROBABILITY_DRAWS = 20_000  # for the admin page
DECISION_DRAWS = 4_000  # for the stopping rule, checked often (error at 0.95: about 0.003)


@dataclass(frozen=True, slots=True)
class Arm:
    """One candidate's totals."""

    image_id: int
    impressions: int
    plays: int

    @property
    def alpha(self) -> float:
        return 1.0 + max(0, self.plays)

    @property
    def beta(self) -> float:
        return 1.0 + max(0, self.impressions - max(0, self.plays))


@dataclass(frozen=True, slots=True)
class ArmStats:
    image_id: int
    impressions: int
    plays: int
    rate: float  # posterior mean
    low: float  # 95% credible interval
    high: float
    p_best: float


def thompson(arms: Sequence[Arm], rng: np.random.Generator) -> int:
    """The image id whose posterior draw is highest."""
    draws = rng.beta([a.alpha for a in arms], [a.beta for a in arms])
    return arms[int(np.argmax(draws))].image_id


def probability_best(
    arms: Sequence[Arm], rng: np.random.Generator, draws: int = PROBABILITY_DRAWS
) -> list[float]:
    """For each arm, the share of joint posterior draws in which it has the highest rate."""
    if len(arms) == 1:
        return [1.0]
    alphas = np.array([a.alpha for a in arms])[:, None]
    betas = np.array([a.beta for a in arms])[:, None]
    samples = rng.beta(alphas, betas, size=(len(arms), draws))
    wins = np.bincount(np.argmax(samples, axis=0), minlength=len(arms))
    return [float(w) / draws for w in wins]


def stats(arms: Sequence[Arm], rng: np.random.Generator) -> list[ArmStats]:
    """Rate, 95% credible interval and probability best of each arm."""
    best = probability_best(arms, rng)
    out = []
    for arm, p in zip(arms, best, strict=True):
        low, high = beta.ppf([0.025, 0.975], arm.alpha, arm.beta)
        rate = arm.alpha / (arm.alpha + arm.beta)
        out.append(ArmStats(arm.image_id, arm.impressions, arm.plays, float(rate), float(low),
                            float(high), p))  # fmt: skip
    return out


def winner(
    arms: Sequence[Arm],
    rng: np.random.Generator,
    threshold: float,
    min_impressions: int,
    draws: int = DECISION_DRAWS,
) -> int | None:
    """The image id that is best with probability >= threshold, once the arms have
    `min_impressions` together; None while exploration goes on."""
    if len(arms) < 2 or sum(a.impressions for a in arms) < min_impressions:
        return None
    best = probability_best(arms, rng, draws)
    k = int(np.argmax(best))
    return arms[k].image_id if best[k] >= threshold else None
