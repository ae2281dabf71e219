"""Serving cost of recommendations, as the server pays it: a migrated SQLite database with one
title and one main file per item, one profile per user with its progress (what Because you
watched reads), the fitted model's lists written by the job's own `store.save`, then each
sampled profile's four home rows read through the same `service.load_row` the home page calls.
Used by recommend_eval.py."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.db.catalog_schema import libraries, media_files, titles
from mediaserver.db.engine import create_database
from mediaserver.db.migrate import upgrade
from mediaserver.db.schema import profiles, users
from mediaserver.db.viewer_schema import watch_progress
from mediaserver.keys import db_key
from mediaserver.recommend.reco import compute, model, service, store

PICKS = 60
SAMPLED_PROFILES = 200


def _lists(fitted: model.Model, histories: list[np.ndarray], nows: np.ndarray) -> dict:
    """Each user's top picks (seen items left out) with the item behind each, as the job keeps."""
    scores = fitted.score_batch(histories, nows)
    picks: dict[tuple[int, str], list[compute.Pick]] = {}
    for u, hist in enumerate(histories):
        s = scores[u].copy()
        s[hist] = -np.inf
        top = np.argsort(-s)[:PICKS]
        because = fitted.because(hist, top)
        ranked = [compute.Pick(int(i) + 1, float(s[i]), int(b) + 1 if b >= 0 else None)
                  for i, b in zip(top, because, strict=True)]  # fmt: skip
        picks[(u + 1, "top")] = ranked
        picks[(u + 1, "new")] = ranked[:20]
    return picks


async def _fill(db, n_items: int, histories: list[np.ndarray]) -> None:  # noqa: ANN001
    now = time.time()
    async with db.write() as conn:
        user = {"username": "bench", "username_key": "bench", "password_hash": "x"}
        await conn.execute(users.insert().values(id=1, created_at=now, updated_at=now, **user))
        library = {"name": "Bench", "kind": "movies", "paths": ["/nonexistent"]}
        await conn.execute(
            libraries.insert().values(id=1, created_at=now, updated_at=now, **library)
        )
        await conn.execute(
            titles.insert(),
            [{"id": i + 1, "library_id": 1, "kind": "movie", "title": f"Item {i}",
              "sort_title": f"item {i}", "provider_ids": {}, "locked_fields": [],
              "source_key": str(i), "added_at": now - i, "updated_at": now}
             for i in range(n_items)],
        )  # fmt: skip
        await conn.execute(
            media_files.insert(),
            [{"id": i + 1, "library_id": 1, "path": f"/nonexistent/{i}.mkv",
              "display_path": f"{i}.mkv", "size": 1, "mtime": 1.0, "status": "ok",
              "title_id": i + 1, "container": "matroska", "duration_seconds": 600.0,
              "first_seen_at": now, "last_seen_at": now}
             for i in range(n_items)],
        )  # fmt: skip
        await conn.execute(
            profiles.insert(),
            [{"id": u + 1, "user_id": 1, "name": f"P{u}", "avatar": "blue", "created_at": now}
             for u in range(len(histories))],
        )  # fmt: skip
        progress = [
            {"profile_id": u + 1, "media_file_id": int(i) + 1, "title_id": int(i) + 1,
             "position_seconds": 600.0, "duration_seconds": 600.0, "watched": True,
             "updated_at": now - (len(hist) - k)}
            for u, hist in enumerate(histories) for k, i in enumerate(hist[-20:])
        ]  # fmt: skip
        for start in range(0, len(progress), 5000):
            await conn.execute(watch_progress.insert(), progress[start : start + 5000])


Figures = tuple[float, float, float]  # p50 s, p99 s, CPU s per profile


async def _measure(
    fitted: model.Model, histories: list[np.ndarray], nows: np.ndarray
) -> dict[str, Figures]:
    picks = await asyncio.to_thread(_lists, fitted, histories, nows)
    n_items = fitted.n_items
    similar: dict[int, list[tuple[int, float]]] = {}
    # Similar lists for every item the profiles last watched (what Because you watched reads).
    for hist in histories:
        if len(hist):
            item = int(hist[-1])
            col = fitted.similar_items(item)
            top = np.argsort(-col)[:20]
            similar[item + 1] = [(int(j) + 1, float(col[j])) for j in top if j != item]
    pop = fitted.popularity_at(float(np.max(nows)))
    trending = [(int(i) + 1, float(pop[i])) for i in np.argsort(-pop)[:100]]
    result = compute.Precomputed(picks, similar, trending, 0)
    with tempfile.TemporaryDirectory() as folder:
        db = create_database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            await upgrade(db)
            await _fill(db, n_items, histories)
            await store.save(db, result, n_items, 0.0)
            app = web.Application()
            app[db_key] = db
            rng = random.Random(7)
            sample = rng.sample(range(len(histories)), min(SAMPLED_PROFILES, len(histories)))
            # First visit of each profile (its statements built), then each row alone and the
            # four again, as a profile that comes back to the home page is served.
            out = {"all four, first visit": await _time_rows(app, sample, service.ROW_KEYS)}
            for key in service.ROW_KEYS:
                out[key] = await _time_rows(app, sample, (key,))
            out["all four, again"] = await _time_rows(app, sample, service.ROW_KEYS)
        finally:
            await db.close()
    return out


async def _time_rows(app: web.Application, sample: list[int], keys: tuple[str, ...]) -> Figures:
    """p50 and p99 of reading these rows per sampled profile, and the CPU seconds per profile
    (all threads: what the rows cost whatever else the machine runs)."""
    timings = []
    cpu = 0.0
    for u in [*sample[:20], *sample]:  # the first 20 warm the caches
        profile = Profile(u + 1, 1, f"P{u}", "blue", False, None, False, 0.0)
        began, began_cpu = time.perf_counter(), time.process_time()
        for key in keys:
            await service.load_row(app, profile, key)
        timings.append(time.perf_counter() - began)
        cpu += time.process_time() - began_cpu
    timings = timings[20:]
    per_profile_cpu = cpu / (len(sample) + 20)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 99)), per_profile_cpu


def serving_p99(
    fitted: model.Model, histories: list[np.ndarray], nows: np.ndarray
) -> dict[str, Figures]:
    """p50 and p99 seconds to read one profile's four recommendation rows from the database,
    and the CPU seconds that took per profile: for the four together (first visit, again) and
    each row alone."""
    return asyncio.run(_measure(fitted, histories, nows))
