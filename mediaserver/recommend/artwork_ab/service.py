"""Poster tests at work: which candidate a profile's cards show, impressions and clicks from
the browser, plays credited at start, winners declared, the admin's view and pin."""

from __future__ import annotations

import asyncio
import logging
import time

import numpy as np
import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import titles
from mediaserver.errors import BadRequest, NotFound
from mediaserver.keys import config_key, db_key
from mediaserver.recommend.artwork_ab import sampling, store
from mediaserver.recommend.artwork_ab.records import PosterCandidate, PosterTest

log = logging.getLogger(__name__)


async def choose_posters(
    app: web.Application, profile: Profile, title_ids: list[int]
) -> dict[int, int]:
    """The catalog's poster chooser: for the titles of one row under test, the candidate this
    profile sees (pinned or won: that one; else its assignment while it is fresh; else a
    Thompson draw, remembered). One read, and one write when something was drawn."""
    settings = app[config_key].recommend
    if not settings.artwork_ab_enabled:
        return {}
    db = app[db_key]
    found = await store.title_tests(db, title_ids, profile.id)
    fresh_after = time.time() - settings.artwork_ab_sticky_hours * 3600
    rng = np.random.default_rng()
    chosen: dict[int, int] = {}
    drawn: dict[int, int] = {}
    for title_id, test in found.items():
        ids = {a.image_id for a in test.arms}
        fixed = test.served_to_all
        if fixed is not None:
            chosen[title_id] = fixed
        elif test.assigned in ids and (test.assigned_at or 0) >= fresh_after:
            chosen[title_id] = int(test.assigned)  # type: ignore[arg-type]
        else:
            chosen[title_id] = drawn[title_id] = sampling.thompson(test.arms, rng)
    if drawn:
        await store.assign(db, profile.id, drawn)
    return chosen


async def _valid_items(
    app: web.Application, profile: Profile, items: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The (title, candidate) pairs whose title this profile may see and whose candidate is a
    poster under test for it."""
    ids = sorted({t for t, _ in items})
    async with app[db_key].read() as conn:
        visible = set(
            (
                await conn.execute(
                    sa.select(titles.c.id).where(titles.c.id.in_(ids), title_visible(profile))
                )
            ).scalars()
        )
    tests = await store.title_tests(app[db_key], sorted(visible))
    return [(t, i) for t, i in items if t in tests and i in {a.image_id for a in tests[t].arms}]


async def record_impressions(
    app: web.Application, profile: Profile, view_id: str, items: list[tuple[int, int]]
) -> int:
    """Count cards seen in one page view (each title once per view); returns how many counted."""
    valid = await _valid_items(app, profile, list(dict.fromkeys(items)))
    if not valid:
        return 0
    counted = await store.count_impressions(app[db_key], f"{profile.id}:{view_id}", valid)
    if counted:
        await decide(app, sorted({t for t, _ in valid}))
    return counted


async def record_click(
    app: web.Application, profile: Profile, title_id: int, image_id: int
) -> bool:
    """A card of a title under test was opened (or its play button pressed). A title the
    profile may not see is not found, like everywhere else."""
    async with app[db_key].read() as conn:
        query = sa.select(titles.c.id).where(titles.c.id == title_id, title_visible(profile))
        if (await conn.execute(query)).scalar() is None:
            raise NotFound("No such title.")
    if not await _valid_items(app, profile, [(title_id, image_id)]):
        return False
    await store.record_click(app[db_key], profile.id, title_id, image_id)
    return True


async def on_play_started(app: web.Application, profile_id: int, media_file_id: int) -> None:
    """The catalog's play listener: credit the play to the card opened shortly before."""
    db = app[db_key]
    title_id = await store.title_of_file(db, media_file_id)
    if title_id is None:
        return
    window = app[config_key].recommend.artwork_ab_attribution_minutes * 60
    if await store.attribute_play(db, profile_id, title_id, time.time() - window) is not None:
        await decide(app, [title_id])


async def decide(app: web.Application, title_ids: list[int]) -> None:
    """Declare a winner for titles still exploring whose best is now clear enough."""
    settings = app[config_key].recommend
    db = app[db_key]
    open_tests = [
        t for t in (await store.title_tests(db, title_ids)).values() if t.served_to_all is None
    ]
    if not open_tests:
        return

    def winners() -> dict[int, int]:
        rng = np.random.default_rng()
        out = {}
        for test in open_tests:
            won = sampling.winner(test.arms, rng, settings.artwork_ab_stop_probability,
                                  settings.artwork_ab_min_impressions)  # fmt: skip
            if won is not None:
                out[test.title_id] = won
        return out

    for title_id, image_id in (await asyncio.to_thread(winners)).items():
        await store.set_decision(db, title_id, winner=image_id)
        log.info("poster test of title %s: candidate %s won", title_id, image_id)


def _describe(test: store.TitleTest, name: str) -> PosterTest:
    rng = np.random.default_rng(test.title_id)  # the same page shows the same figures
    figures = sampling.stats(test.arms, rng)
    state = "pinned" if test.pinned is not None else "won" if test.winner else "exploring"
    return PosterTest(
        title_id=test.title_id,
        title=name,
        state=state,
        served=test.served_to_all,
        candidates=[PosterCandidate.of(f, test.title_id) for f in figures],
    )


async def poster_tests(app: web.Application, limit: int = 200) -> list[PosterTest]:
    """Every title under test, most impressions first (figures computed in a thread)."""
    db = app[db_key]
    found = await store.title_tests(db, None)
    ranked = sorted(found.values(), key=lambda t: -sum(a.impressions for a in t.arms))[:limit]
    names = await store.title_names(db, [t.title_id for t in ranked])
    return await asyncio.to_thread(
        lambda: [_describe(t, names.get(t.title_id, "")) for t in ranked]
    )


async def poster_test(app: web.Application, title_id: int) -> PosterTest:
    found = (await store.title_tests(app[db_key], [title_id])).get(title_id)
    if found is None:
        raise NotFound("This title has no poster test (it needs two or more generated posters).")
    names = await store.title_names(app[db_key], [title_id])
    return await asyncio.to_thread(_describe, found, names.get(title_id, ""))


async def pin(app: web.Application, title_id: int, image_id: int | None) -> PosterTest:
    """Serve this candidate to everyone (None: unpin; a decided winner stays decided)."""
    test = await poster_test(app, title_id)
    if image_id is not None and image_id not in {c.image_id for c in test.candidates}:
        raise BadRequest("That image is not one of this title's poster candidates.",
                         field="image_id")  # fmt: skip
    await store.set_decision(app[db_key], title_id, pinned=image_id, set_pin=True)
    return await poster_test(app, title_id)


async def purge(app: web.Application) -> int:
    """Housekeeping: counted views older than a day, clicks past the attribution window."""
    now = time.time()
    window = app[config_key].recommend.artwork_ab_attribution_minutes * 60
    return await store.purge(app[db_key], now - 86400, now - window)
