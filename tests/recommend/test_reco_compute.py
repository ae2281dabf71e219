"""The training run's ranking rules, on signals built in memory: finished titles drop out unless
rewatching is the profile's habit; only titles the profile may see are ranked; dislikes and Not
interested never come back."""

from __future__ import annotations

from mediaserver.accounts import Profile
from mediaserver.recommend.reco import compute
from mediaserver.recommend.reco.signals import DAY, ProfileSignals, TitleMeta, TitleSignal

NOW = 1_000 * DAY


def profile_signals(pid: int, finished: list[int], days: int) -> ProfileSignals:
    ps = ProfileSignals(Profile(pid, 1, f"P{pid}", "blue", False, None, False, 0.0))
    for k, tid in enumerate(finished):
        ps.titles[tid] = TitleSignal(
            1.5, NOW - 10 * DAY + k, True, {int(NOW // DAY) - d for d in range(days)}
        )
    return ps


def run(signals: list[ProfileSignals], visible: dict[int, list[int]]) -> compute.Precomputed:
    titles = [TitleMeta(t, NOW - t * DAY, [f"genre:g{t % 2}"]) for t in range(1, 9)]
    return compute.run(compute.Inputs(signals, titles, visible, [], NOW, 10, 5, 30, 7.0))


def top(result: compute.Precomputed, pid: int) -> list[int]:
    return [p.title_id for p in result.picks[(pid, "top")]]


def test_finished_titles_come_back_only_for_rewatchers() -> None:
    once = profile_signals(1, [1, 2, 3], days=1)
    again = profile_signals(2, [1, 2, 3], days=2)  # each played on two different days
    result = run([once, again], {1: list(range(1, 9)), 2: list(range(1, 9))})
    assert not {1, 2, 3} & set(top(result, 1))
    assert {1, 2, 3} <= set(top(result, 2))


def test_only_visible_titles_are_ranked_and_dislikes_stay_out() -> None:
    ps = profile_signals(1, [1], days=1)
    ps.titles[3] = TitleSignal(0.0, NOW, False, set(), disliked=True)
    ps.not_interested.add(5)
    result = run([ps], {1: [1, 2, 3, 4, 5, 6]})
    assert set(top(result, 1)) == {2, 4, 6}
    assert set(p.title_id for p in result.picks[(1, "new")]) <= {2, 4, 6}
    assert result.similar[7] and all(other != 7 for other, _ in result.similar[7])
