"""What each analytics page and export shows: the tables by name, and the filter choices."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.analytics import binges, history, quality, retention, watching
from mediaserver.analytics.filters import Filters
from mediaserver.analytics.tables import Table
from mediaserver.db.catalog_schema import libraries, titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles, users
from mediaserver.errors import BadRequest, NotFound

TableQuery = Callable[[Database, Filters], Awaitable[Table]]


async def _retention_curve(db: Database, f: Filters) -> Table:
    return (await _retention_or_404(db, f)).curve


async def _hotspots(db: Database, f: Filters) -> Table:
    return (await _retention_or_404(db, f)).hotspots


async def _retention_or_404(db: Database, f: Filters) -> retention.Retention:
    if f.file is None:
        raise BadRequest(
            "'file' (a media file id) is required for a retention curve.", field="file"
        )
    found = await retention.retention(db, f, f.file)
    if found is None:
        raise NotFound("No such media file, or its duration is unknown.")
    return found


TABLES: dict[str, TableQuery] = {
    "over_time": watching.over_time,
    "top_movies": lambda db, f: watching.top_titles(db, f, "movie"),
    "top_series": lambda db, f: watching.top_titles(db, f, "series"),
    "heatmap": watching.heatmap,
    "binges": binges.binges,
    "history": history.history,
    "files": retention.watched_files,
    "retention": _retention_curve,
    "hotspots": _hotspots,
    "qoe_browser": lambda db, f: quality.by(db, f, "browser"),
    "qoe_method": lambda db, f: quality.by(db, f, "method"),
    "unplayed_rungs": quality.unplayed_rungs,
}


async def table(db: Database, name: str, f: Filters) -> Table:
    query = TABLES.get(name)
    if query is None:
        raise NotFound(f"No analytics table '{name}'. Tables: {', '.join(TABLES)}.")
    return await query(db, f)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the filter bar offers, and the names of the ids set."""

    libraries: list[tuple[int, str]]
    users: list[tuple[int, str]]
    profiles: list[tuple[int, str]]
    title_name: str | None


async def choices(db: Database, f: Filters) -> Choices:
    async with db.read() as conn:
        libs = (
            await conn.execute(
                sa.select(libraries.c.id, libraries.c.name).order_by(libraries.c.name)
            )
        ).all()
        people = (
            await conn.execute(
                sa.select(users.c.id, users.c.username).order_by(users.c.username_key)
            )
        ).all()
        profile_query = sa.select(profiles.c.id, users.c.username + " · " + profiles.c.name).join(
            users, users.c.id == profiles.c.user_id
        )
        if f.user is not None:
            profile_query = profile_query.where(profiles.c.user_id == f.user)
        profs = (
            await conn.execute(
                profile_query.order_by(users.c.username_key, profiles.c.name).limit(500)
            )
        ).all()
        title_name = None
        if f.title is not None:
            title_name = (
                await conn.execute(sa.select(titles.c.title).where(titles.c.id == f.title))
            ).scalar()
    return Choices(
        [tuple(r) for r in libs],
        [tuple(r) for r in people],
        [tuple(r) for r in profs],
        title_name,
    )
