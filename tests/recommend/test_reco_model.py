"""The model on small synthetic data where the right answer is known: it beats popularity, its
recency reading follows a change of taste, content similarity finds the title nobody played
(a sequel by its title, a closer title over one crowded with tags, a recent release)."""

from __future__ import annotations

import numpy as np

from mediaserver.recommend.reco import content, model

GROUPS, PER_GROUP, USERS = 6, 12, 120


def synthetic(seed: int = 3) -> tuple[model.Interactions, list[int]]:
    """Each group's items form a series watched in order: a user watches a run of four from a
    random point, and half of the users then switch to a run in another group. The first item of
    every group (popular) pads every history. Returns the data and each user's true next item
    (held out: the one after their last run)."""
    rng = np.random.default_rng(seed)
    users, items, times, nexts = [], [], [], []
    for u in range(USERS):
        first = int(rng.integers(GROUPS))
        groups = [first, (first + 1 + int(rng.integers(GROUPS - 1))) % GROUPS] if u % 2 else [first]
        seq: list[int] = []
        for g in groups:
            start = int(rng.integers(1, PER_GROUP - 5))
            seq += [g * PER_GROUP + k for k in range(start, start + 4)]
        nexts.append(seq[-1] + 1)
        pad = [g * PER_GROUP for g in rng.choice(GROUPS, 2, replace=False)]
        for t, item in enumerate(pad + seq):
            users.append(u)
            items.append(item)
            times.append(1000.0 * u + t)
    data = model.Interactions(
        np.array(users), np.array(items), np.array(times, dtype=float), USERS, GROUPS * PER_GROUP
    )
    return data, nexts


def hit_rate(scores: np.ndarray, data: model.Interactions, nexts: list[int]) -> float:
    seen = model.user_item_matrix(data).toarray() > 0
    scores = np.where(seen, -np.inf, scores)
    top = np.argsort(-scores, axis=1)[:, :5]
    return float(np.mean([nexts[u] in top[u] for u in range(len(nexts))]))


def test_beats_popularity_and_recency_follows_a_change_of_taste() -> None:
    data, nexts = synthetic()
    fitted = model.fit(data, model.Params(l2=5.0, min_item_count=1))
    histories = model.sequences(data)
    nows = np.full(USERS, 1e9)
    ours = hit_rate(fitted.score_batch(histories, nows), data, nexts)
    counts = np.bincount(data.items, minlength=data.n_items).astype(float)
    popular = hit_rate(np.tile(counts, (USERS, 1)), data, nexts)
    flat = model.with_params(
        fitted, model.Params(l2=5.0, recency_decay=0.0, history_floor=1.0, transition_weight=0.0)
    )
    no_recency = hit_rate(flat.score_batch(histories, nows), data, nexts)
    assert ours >= 0.75 and popular < 0.1
    assert ours > no_recency  # the switchers' next item follows their newest group


def test_because_names_the_history_item_behind_a_pick() -> None:
    data, _ = synthetic()
    fitted = model.fit(data, model.Params(l2=5.0, min_item_count=1))
    history = np.array([PER_GROUP * 2 + 1, PER_GROUP * 2 + 2, PER_GROUP * 4 + 3])
    why = fitted.because(history, np.array([PER_GROUP * 4 + 4, PER_GROUP * 2 + 3]))
    assert list(why) == [PER_GROUP * 4 + 3, PER_GROUP * 2 + 2]


def test_content_similarity_for_a_title_nobody_played() -> None:
    docs = [
        ["genre:crime", "cast:1", "cast:2", "word:heist"],
        ["genre:crime", "cast:1", "word:heist", "word:bank"],
        ["genre:family", "cast:9", "word:bear"],
        ["genre:family", "cast:9", "word:bear", "collection:7"],
        ["genre:crime", "word:detective"],
    ]
    matrix = content.term_matrix(docs)
    assert [i for i, _ in content.similar_to(matrix, 0, 2)] == [1, 4]
    assert content.similar_to(matrix, 2, 1)[0][0] == 3
    assert content.words("The Bear's journey, and a heist!") == ["bear", "journey", "heist"]


def test_content_scores_follow_the_newest_history_and_its_era() -> None:
    docs = [["genre:crime"], ["genre:family"], ["genre:crime"], ["genre:family"], ["genre:crime"]]
    years = np.array([1950.0, 2015.0, 1952.0, 2016.0, 2014.0])
    fitted = model.fit(
        model.Interactions(*(np.zeros(0, dtype=np.int64),) * 3, 0, len(docs)),
        model.Params(content_decay=3.0, year_weight=1.0, year_scale=5.0, content_weight=1.0),
        content.term_matrix(docs),
        years,
    )
    # Watched a family film, then (newest) an old crime film: crime films rank first, and
    # among them the one from the same era.
    scores = fitted.content_scores([np.array([1, 0])])[0]
    assert scores[2] > scores[4] > scores[3]
    # The other way round: family films first, the recent crime film above the old one.
    scores = fitted.content_scores([np.array([0, 1])])[0]
    assert scores[3] > scores[4] > scores[2]


def test_more_like_this_finds_the_sequel_by_its_title_words() -> None:
    docs = [
        ["genre:animation", "genre:comedy", "title:shrek"],
        ["genre:animation", "genre:comedy", "title:madagascar"],
        ["genre:animation", "genre:comedy", "title:shrek", "title:third"],
        ["genre:crime", "title:heat"],
    ]
    matrix = content.term_matrix(docs)
    assert [i for i, _ in content.similar_to(matrix, 0, 2)] == [2, 1]


def test_a_title_with_many_tags_does_not_drown_a_closer_one() -> None:
    """Each field is normalised on its own: sharing genres and the one tag counts for more than
    sharing the tag among thirty others."""
    crowded = ["genre:family", "tag:heist", *(f"tag:t{i}" for i in range(30))]
    docs = [["genre:crime", "tag:heist"], crowded, ["genre:crime", "tag:heist", "tag:bank"]]
    matrix = content.term_matrix(docs)
    assert [i for i, _ in content.similar_to(matrix, 0, 2)] == [2, 1]


def test_content_scores_favour_titles_out_about_a_year_before_now() -> None:
    docs = [["genre:drama"], ["genre:drama"], ["genre:drama"], ["genre:drama"]]
    years = np.array([2000.0, 1990.0, 2019.0, 2005.0])
    fitted = model.fit(
        model.Interactions(*(np.zeros(0, dtype=np.int64),) * 3, 0, len(docs)),
        model.Params(content_decay=0.6, year_weight=0.0, release_weight=0.2, release_scale=2.0),
        content.term_matrix(docs),
        years,
    )
    now_2020 = np.array([(2020.5 - 1970.0) * 365.2425 * model.DAY])
    scores = fitted.content_scores([np.array([0])], now_2020)[0]
    assert scores[2] > scores[3] > scores[1]
    # Without the time (or without a history) there is nothing to favour.
    assert len(set(fitted.content_scores([np.array([0])])[0][1:])) == 1
    assert not fitted.content_scores([np.array([], dtype=np.int64)], now_2020).any()
