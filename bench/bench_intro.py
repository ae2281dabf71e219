"""Intro and credits detection: accuracy on generated seasons, and the time to analyse a season
of ten 45-minute episodes.

Accuracy: seasons of 10 episodes, each a cold open of its own length (0-3 minutes), then the
season's shared intro (20-40 s; 2 episodes of each season go without it), then the episode's own
sound and 30 s of shared credits. An intro counts as found when both of its boundaries are within
1 s of the truth; an episode without an intro must get none. Speed: ten 45-minute episodes
(audio only, generated once per run), analysed with the same code the job runs
(`detect_season`: the first 10 minutes and the last 5 of each).

    python bench/bench_intro.py                  # 5 seasons + the 45-minute season
    python bench/bench_intro.py --seasons 2 --codec aac

Targets: boundaries within 1 s in >= 95% of episodes with an intro, no intro found where there is
none; the 45-minute season analysed in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402

from mediaserver.recommend.intro.detect import Episode, Options, detect_season  # noqa: E402
from tests.recommend.intro_factory import (  # noqa: E402
    RATE,
    EpisodePlan,
    episode_audio,
    sound,
    write_audio,
)

CREDITS = 30.0


def _season(folder: Path, seed: int, episodes: int, body: float, codec: str):
    rng = np.random.default_rng(seed)
    intro_seconds = float(rng.uniform(20, 40))
    without = set(rng.choice(episodes, size=2, replace=False).tolist())
    intro = sound(seed * 1000 + 11, intro_seconds)
    credits = sound(seed * 1000 + 13, CREDITS)
    suffix = ".m4a" if codec == "aac" else ".mkv"
    plans, paths = [], []
    for i in range(episodes):
        plan = EpisodePlan(float(rng.uniform(0, 180)), i not in without, body, has_credits=True)
        samples = episode_audio(plan, seed * 100 + i, intro, credits)
        paths.append(write_audio(folder / f"s{seed}e{i:02d}{suffix}", samples, RATE, codec))
        plans.append(plan)
    return intro_seconds, plans, paths


def accuracy(seasons: int, codec: str) -> None:
    hits = total = false_found = empty = credit_hits = 0
    seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, seasons + 1):
            intro_seconds, plans, paths = _season(Path(tmp), seed, 10, 120.0, codec)
            episodes = [Episode(i, p) for i, p in enumerate(paths)]
            start = time.perf_counter()
            found = detect_season(episodes, Options(credits_minutes=2.0))
            seconds += time.perf_counter() - start
            for plan, got in zip(plans, found, strict=True):
                truth = plan.intro_span(intro_seconds)
                length = plan.cold_open + (intro_seconds if plan.has_intro else 0) + plan.body
                if got.credits and abs(got.credits.start - length) <= 1.0:
                    credit_hits += 1
                if truth is None:
                    empty += 1
                    false_found += got.intro is not None
                    continue
                total += 1
                ok = got.intro is not None and (
                    abs(got.intro.start - truth[0]) <= 1.0 and abs(got.intro.end - truth[1]) <= 1.0
                )
                hits += ok
                if not ok:
                    print(f"  season {seed}: missed {truth} -> {got.intro}")
    n = seasons * 10
    print(f"accuracy ({seasons} seasons of 10, {codec}): intro boundaries within 1 s in "
          f"{hits}/{total} episodes ({100 * hits / total:.1f}%); intro found where there is none: "
          f"{false_found}/{empty}; credits start within 1 s: {credit_hits}/{n}; "
          f"{seconds / seasons:.2f} s per season of 3-6 minute episodes")  # fmt: skip


def speed(codec: str, minutes: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _, plans, paths = _season(Path(tmp), 99, 10, minutes * 60 - 140, codec)
        print(f"generated ten {minutes:.0f}-minute episodes ({codec}) in "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
        episodes = [Episode(i, p) for i, p in enumerate(paths)]
        start = time.perf_counter()
        found = detect_season(episodes)
        took = time.perf_counter() - start
    print(f"analysis of a season of ten {minutes:.0f}-minute episodes: {took:.1f} s "
          f"(target < 60 s; intros found in {sum(f.intro is not None for f in found)}/10, "
          f"credits in {sum(f.credits is not None for f in found)}/10)")  # fmt: skip
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seasons", type=int, default=5)
    parser.add_argument("--codec", choices=("pcm_s16le", "aac"), default="pcm_s16le")
    parser.add_argument("--minutes", type=float, default=45.0)
    args = parser.parse_args()
    accuracy(args.seasons, args.codec)
    took = speed(args.codec, args.minutes)
    print(f"season analysis time / 60 s target: {took / 60:.2f}x")


if __name__ == "__main__":
    main()
