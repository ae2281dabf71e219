"""The compact rollups (files and rungs per day / week / month, viewers per day, plays per hour,
binge sessions) give the pages the same numbers as the raw plays, for ranges that split into
months, weeks and days; and the dashboard's today / this week add the raw plays since the last
rollup to the rolled-up hours."""

from __future__ import annotations

import random
from collections import defaultdict

import sqlalchemy as sa

from mediaserver.analytics import binges as binge_table
from mediaserver.analytics import long_range, retention, watching
from mediaserver.analytics.filters import DAY, Filters
from mediaserver.analytics.periods import spans
from mediaserver.analytics.rollup_heartbeats import roll_up_heartbeats
from mediaserver.analytics.rollup_plays import roll_up_plays
from mediaserver.analytics.summary import day_start, period_summary, week_start
from mediaserver.db.catalog_schema import episodes, media_files
from tests.analytics.events import CHROME, IPHONE, add_play, add_viewers
from tests.catalog.player_helpers import build_catalog

NOW = 1_796_342_400.0 + 15.5 * 3600  # 2026-12-04 15:30 UTC, a Friday
FIRST = NOW - NOW % DAY - 80 * DAY


async def _history(db) -> tuple[list[dict], dict[int, tuple[int, float]]]:
    """~200 random plays over 80 days (with heartbeats), and two hand-made binges, one across
    midnight; returns the plays and each file's (title, duration)."""
    cat = await build_catalog(db)
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(
                media_files.c.id,
                sa.func.coalesce(media_files.c.title_id, episodes.c.series_id),
                media_files.c.duration_seconds,
            ).outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        )
        files = {r[0]: (r[1], float(r[2])) for r in rows}
    people = await add_viewers(db, 6, FIRST)
    rnd = random.Random(5)
    made: list[dict] = []

    async def play(person: tuple[int, int], file: int, at: float, watched: float,
                   method: str = "ladder", phone: bool = False) -> None:  # fmt: skip
        position = min(watched, files[file][1])
        await add_play(db, user_id=person[0], profile_id=person[1], media_file_id=file,
                       started_at=at, watched=watched, position=position, method=method,
                       client=IPHONE if phone else CHROME, beats_every=40)  # fmt: skip
        made.append({"profile": person[1], "user": person[0], "file": file, "at": at,
                     "watched": watched, "position": position, "method": method,
                     "device": "phone" if phone else "desktop",
                     "series": file in cat.episodes})  # fmt: skip

    for _ in range(200):
        at = FIRST + rnd.random() * (NOW - 2 * 3600 - FIRST)
        await play(rnd.choice(people), rnd.choice(list(files)), at, rnd.uniform(5, 220),
                   rnd.choice(("ladder", "direct")), rnd.random() < 0.3)  # fmt: skip
    binge_days = (FIRST + 20 * DAY + 23 * 3600, FIRST + 61 * DAY + 9 * 3600)
    for start in binge_days:
        for i, ep in enumerate(cat.episodes):
            await play(people[0], ep, start + i * 5000, 120)
    return made, files


def _expected(made: list[dict], files: dict, start: float, end: float) -> dict:
    inside = [p for p in made if start <= p["at"] < end]
    titles: dict[int, list] = defaultdict(lambda: [0, 0.0, set(), 0])
    per_file: dict[int, list] = defaultdict(lambda: [0, set()])
    for p in inside:
        title, duration = files[p["file"]]
        row = titles[title]
        row[0] += 1
        row[1] += p["watched"]
        row[2].add(p["profile"])
        row[3] += p["position"] >= 0.9 * duration
        per_file[p["file"]][0] += 1
        per_file[p["file"]][1].add(p["profile"])
    return {
        "plays": len(inside),
        "hours": round(sum(p["watched"] for p in inside) / 3600, 1),
        "viewers": len({p["profile"] for p in inside}),
        "titles": {t: (r[0], round(r[1] / 3600, 1), len(r[2])) for t, r in titles.items()},
        "files": {f: (r[0], len(r[1])) for f, r in per_file.items()},
    }


def _binges(made: list[dict], files: dict, start: float, end: float) -> list[tuple[float, int]]:
    """Whole sessions (hour of start, gaps over 2 h end one) of 3+ episodes starting in range."""
    by_key: dict[tuple, list] = defaultdict(list)
    for p in made:
        if p["series"]:
            by_key[(p["profile"], files[p["file"]][0])].append(p)
    found = []
    for items in by_key.values():
        items.sort(key=lambda p: p["at"])
        session: list[dict] = []
        for p in items:
            hour = p["at"] - p["at"] % 3600
            if session and hour - (session[-1]["at"] - session[-1]["at"] % 3600) > 7200:
                found.append(session)
                session = []
            session.append(p)
        found.append(session)
    return sorted(
        (s[0]["at"] - s[0]["at"] % 3600, len({p["file"] for p in s}))
        for s in found
        if len({p["file"] for p in s}) >= 3 and start <= s[0]["at"] - s[0]["at"] % 86400 < end
    )


async def _assert_pages_match(db, f: Filters, picked: list[dict], files: dict) -> None:
    """The Watching page's tables for `f` agree with the plays `picked` (those its filters let
    through)."""
    want = _expected(picked, files, f.start, f.end)
    totals = await watching.totals(db, f)
    assert (totals["plays"], totals["hours"], totals["viewers"]) == (
        want["plays"], want["hours"], want["viewers"],
    )  # fmt: skip
    shown = {}
    for kind in ("movie", "series"):
        table = await watching.top_titles(db, f, kind)
        for link, row in zip(table.links, table.rows, strict=True):
            shown[link["title"]] = (row[1], row[2], row[3])
    assert shown == want["titles"]
    heat = await watching.heatmap(db, f)
    assert sum(sum(row[1:]) for row in heat.rows) == want["plays"]
    over = await watching.over_time(db, f)
    assert sum(over.column("plays")) == want["plays"]
    per_day: dict[float, set] = defaultdict(set)
    for p in picked:
        if f.start <= p["at"] < f.end:
            per_day[p["at"] - p["at"] % DAY].add(p["profile"])
    assert sum(over.column("viewers")) == sum(len(v) for v in per_day.values())
    found = await binge_table.binges(db, f)
    want_binges = _binges(picked, files, f.start, f.end)
    assert sorted(found.column("episodes")) == sorted(n for _, n in want_binges)


async def test_pages_read_from_rollups_match_the_raw_plays(db) -> None:
    made, files = await _history(db)
    await roll_up_plays(db, keep_plays_days=3650, now=NOW)
    await roll_up_heartbeats(db)
    whole = Filters(start=FIRST, end=NOW - NOW % DAY + DAY)
    part = Filters(start=FIRST + 9 * DAY, end=NOW - NOW % DAY - 3 * DAY)
    assert {g for g, _, _ in spans(whole.start, whole.end)} == {"d", "w", "m"}
    for f in (whole, part):
        assert long_range.usable(f)
        await _assert_pages_match(db, f, made, files)
        listed = await retention.watched_files(db, f)
        got = {
            link["file"]: (row[1], row[2])
            for link, row in zip(listed.links, listed.rows, strict=True)
        }
        assert got == _expected(made, files, f.start, f.end)["files"]
        assert f is part or len(_binges(made, files, f.start, f.end)) >= 2
    # The hourly rows (a profile filter) agree with the compact ones.
    narrowed = Filters(start=whole.start, end=whole.end, profile=made[0]["profile"])
    mine = [p for p in made if p["profile"] == made[0]["profile"]]
    assert (await watching.totals(db, narrowed))["plays"] == len(mine)


async def test_dashboard_counts_add_raw_plays_since_the_rollup(db) -> None:
    made, _files = await _history(db)
    await roll_up_plays(db, keep_plays_days=3650, now=NOW)
    person = (made[0]["user"], made[0]["profile"])
    for at in (NOW - 20 * 60, NOW - 60):  # reported after the rollup ran
        await add_play(db, user_id=person[0], profile_id=person[1], media_file_id=made[0]["file"],
                       started_at=at, watched=30, position=30)  # fmt: skip
        made.append({"profile": person[1], "at": at, "watched": 30.0})
    summary = await period_summary(db, now=NOW)
    for period, start, length in (
        (summary.today, day_start(NOW), DAY),
        (summary.week, week_start(NOW), 7 * DAY),
    ):
        for figures, lo, hi in (
            (period.current, start, NOW),
            (period.previous, start - length, NOW - length),
        ):
            inside = [p for p in made if lo <= p["at"] < hi]
            assert figures.plays == len(inside)
            assert figures.unique_viewers == len({p["profile"] for p in inside})
            assert figures.hours_watched == round(sum(p["watched"] for p in inside) / 3600, 1)
    assert summary.today.current.plays >= 2


async def test_a_year_filtered_by_device_or_method_reads_the_rollups_and_matches_the_plays(
    db,
) -> None:
    made, files = await _history(db)
    await roll_up_plays(db, keep_plays_days=3650, now=NOW)
    end = NOW - NOW % DAY + DAY
    for name, value in (("device", "phone"), ("method", "direct"), ("method", "ladder")):
        f = Filters(start=FIRST, end=end, **{name: value})
        assert long_range.usable(f) and long_range.binges_usable(f)
        await _assert_pages_match(db, f, [p for p in made if p[name] == value], files)
    # The two hand-made binges were watched with the ladder.
    assert (await binge_table.binges(db, Filters(FIRST, end, method="ladder"))).rows
    # Two of device, browser and method at once: the hourly rows answer.
    both = Filters(start=FIRST, end=end, device="phone", method="direct")
    assert not long_range.usable(both)
    picked = [p for p in made if p["device"] == "phone" and p["method"] == "direct"]
    assert (await watching.totals(db, both))["plays"] == len(picked)
