"""What intro pages and the API do: a season's markers, queuing detection, an admin's fix."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.catalog import apply_admin_form, set_detected_marker
from mediaserver.errors import NotFound
from mediaserver.keys import db_key
from mediaserver.recommend.intro import store
from mediaserver.recommend.intro.jobs import enqueue_detection
from mediaserver.recommend.intro.records import IntroCorrection, IntroSeason


async def season(app: web.Application, season_id: int) -> IntroSeason:
    db = app[db_key]
    name = await store.season_name(db, season_id)
    if name is None:
        raise NotFound("No such season.")
    episodes = await store.season_markers(db, season_id)
    return IntroSeason(season_id=season_id, name=name, episodes=episodes)


async def detect(app: web.Application, season_id: int) -> int:
    if await store.season_name(app[db_key], season_id) is None:
        raise NotFound("No such season.")
    return await enqueue_detection(app, season_id)


async def correct(app: web.Application, media_file_id: int, fix: IntroCorrection) -> int | None:
    """Apply an admin's markers to a file and lock the kinds given (or unlock both); returns the
    file's season. 404 for a file that is not an episode."""
    db = app[db_key]
    season_id = await store.file_season(db, media_file_id)
    if season_id is None:
        raise NotFound("No such episode file.")
    data: dict[str, Any] = fix.model_dump(exclude_unset=True, exclude={"unlock"})
    await apply_admin_form(db, media_file_id, data)
    given = [k for k in store.KINDS if f"{k}_start" in data or f"{k}_end" in data]
    for kind in given:
        if data.get(f"{kind}_start") in (None, "") and data.get(f"{kind}_end") in (None, ""):
            # "None here": a detected marker goes too, and stays gone.
            await set_detected_marker(db, media_file_id, kind, None)
    if fix.unlock:
        await store.set_locks(db, media_file_id, season_id, intro=False, credits=False)
    elif given:
        await store.set_locks(db, media_file_id, season_id, **{k: True for k in given})
    return season_id
