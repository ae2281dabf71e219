"""Serving cost of recommendations, as the server pays it: a migrated SQLite database with one
title and one main file per item, one profile per user with its progress (what Because you
watched reads), the fitted model's lists written by the job's own `store.save`, then each
sampled profile's four home rows read through the same `service.load_row` the home page calls.

The rows are read in a fresh Python process, as after a restart: it runs the start-up the
server runs (`service.prepare_statements`, where the code has it), then times each sampled
profile's first visit (the four rows), each row alone, and the four again. `--reference DIR`
times an older tree of the code the same way on the same database, side by side (make one with
`git archive <commit> | tar -x -C DIR`). Used by recommend_eval.py; alone:

    python bench/recommend_serving.py [--dataset DIR] [--repeat 3] [--reference DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
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
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASET = Path("/work/shared/data/movielens-latest-small")
FIRST = "all four, first visit after a restart"
AGAIN = "all four, again"
VERY_FIRST = "the very first visit after a restart"


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


async def _build(path: Path, fitted: model.Model, histories: list[np.ndarray], nows) -> None:  # noqa: ANN001
    picks = await asyncio.to_thread(_lists, fitted, histories, nows)
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
    db = create_database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(db)
        await _fill(db, fitted.n_items, histories)
        await store.save(db, result, fitted.n_items, 0.0)
    finally:
        await db.close()


# ---- the fresh process: what a restarted server pays ---------------------------------------


async def _visit(app: web.Application, profile_ids: list[int], keys: tuple[str, ...]) -> list:
    """(wall seconds, CPU seconds) of reading these rows, per profile in order."""
    out = []
    for pid in profile_ids:
        profile = Profile(pid, 1, f"P{pid}", "blue", False, None, False, 0.0)
        began, began_cpu = time.perf_counter(), time.process_time()
        for key in keys:
            await service.load_row(app, profile, key)
        out.append((time.perf_counter() - began, time.process_time() - began_cpu))
    return out


async def _child(path: Path, profile_ids: list[int]) -> dict[str, list]:
    db = create_database(f"sqlite+aiosqlite:///{path}")
    app = web.Application()
    app[db_key] = db
    try:
        prepare = getattr(service, "prepare_statements", None)  # absent from older trees
        if prepare is not None:
            await prepare(app)
        out = {FIRST: await _visit(app, profile_ids, service.ROW_KEYS)}
        for key in service.ROW_KEYS:
            out[key] = await _visit(app, profile_ids, (key,))
        out[AGAIN] = await _visit(app, profile_ids, service.ROW_KEYS)
    finally:
        await db.close()
    return out


Figures = tuple[float, float, float]  # p50 s, p99 s, CPU s per profile


def _figures(timings: list) -> Figures:
    wall = [w for w, _ in timings]
    cpu = [c for _, c in timings]
    return float(np.percentile(wall, 50)), float(np.percentile(wall, 99)), float(np.mean(cpu))


def _restart_and_read(path: Path, profile_ids: list[int], tree: Path) -> dict[str, Figures]:
    """Run the reads in a fresh process importing the code of `tree`."""
    env = os.environ | {"PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1"}
    args = [sys.executable, __file__, "--child", str(path), json.dumps(profile_ids)]
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    raw = json.loads(done.stdout)
    figures = {label: _figures(timings) for label, timings in raw.items()}
    first_wall, first_cpu = raw[FIRST][0]
    figures[VERY_FIRST] = (first_wall, first_wall, first_cpu)
    return figures


def _median(runs: list[dict[str, Figures]]) -> dict[str, Figures]:
    return {
        label: tuple(statistics.median(run[label][i] for run in runs) for i in range(3))  # type: ignore[misc]
        for label in runs[0]
    }


def serving_p99(
    fitted: model.Model,
    histories: list[np.ndarray],
    nows: np.ndarray,
    repeat: int = 3,
    reference: Path | None = None,
) -> dict[str, dict[str, Figures]]:
    """For this tree (and the reference tree, if given): p50 and p99 seconds to read one
    profile's four recommendation rows from the database and the CPU seconds that took per
    profile, on the first visit after a restart, each row alone and the four again; medians of
    `repeat` fresh processes."""
    trees = {"ours": ROOT} | ({"reference": reference} if reference else {})
    sample = random.Random(7).sample(range(len(histories)), min(SAMPLED_PROFILES, len(histories)))
    profile_ids = [u + 1 for u in sample]
    runs: dict[str, list[dict[str, Figures]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        asyncio.run(_build(path, fitted, histories, nows))
        for _ in range(repeat):
            for name, tree in trees.items():  # interleaved: both see the same load
                runs[name].append(_restart_and_read(path, profile_ids, tree))
    return {name: _median(found) for name, found in runs.items()}


def print_figures(found: dict[str, dict[str, Figures]], repeat: int) -> None:
    load = f"{os.getloadavg()[0]:.1f}"
    for name, figures in found.items():
        for rows, (p50, p99, cpu_each) in figures.items():
            what = "p50 = p99 (one visit)" if rows == VERY_FIRST else f"p50 {p50 * 1000:.2f} ms,"
            tail = f"{p99 * 1000:.2f} ms" if rows == VERY_FIRST else f"p99 {p99 * 1000:.2f} ms"
            print(
                f"{name}: serving a profile's rows from the database ({rows}): {what} {tail},"
                f" {cpu_each * 1000:.2f} ms CPU each (median of {repeat} processes; load {load})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per tree")
    parser.add_argument("--reference", type=Path, help="an older tree of the code, side by side")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    import recommend_eval as ev  # its loader and split; it imports this module back

    ds = ev.load(args.dataset)
    test = ev.leave_last_out(ds.data)
    terms = ev.content.term_matrix(ds.item_terms) if any(ds.item_terms) else None
    fitted = ev.ours_model(test, compute.PARAMS, terms)
    print(f"{args.dataset.name}: {ds.data.n_users} profiles, {ds.data.n_items} titles")
    found = serving_p99(fitted, test.histories, test.nows, args.repeat, args.reference)
    print_figures(found, args.repeat)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        found = asyncio.run(_child(Path(sys.argv[2]), json.loads(sys.argv[3])))
        print(json.dumps(found))
    else:
        main()
