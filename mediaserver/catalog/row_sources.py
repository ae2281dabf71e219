"""Home rows other domains add: a higher domain (recommendations) registers a row source from
its `setup`, and the home page and its API ask every source for its rows beside the built-in
ones, without the catalog knowing any of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog import rows
from mediaserver.catalog.poster_choice import with_posters
from mediaserver.keys import db_key

# The keys of the rows a source has for this profile, in order (cheap: no row is filled).
RowKeys = Callable[[web.Application, Profile], Awaitable[list[str]]]
# One row by key, or None when it has nothing to show.
RowLoader = Callable[[web.Application, Profile, str], Awaitable[rows.Row | None]]


@dataclass(frozen=True, slots=True)
class RowSource:
    prefix: str  # every key of this source starts with it ("reco-")
    keys: RowKeys
    load: RowLoader
    replaces: tuple[str, ...] = ()  # built-in rows this source stands in for ("because")


row_sources_key = web.AppKey("catalog_row_sources", list[RowSource])


def register_row_source(
    app: web.Application,
    prefix: str,
    keys: RowKeys,
    load: RowLoader,
    replaces: tuple[str, ...] = (),
) -> None:
    """Add home rows: they come after Continue Watching, before the built-in rows."""
    app.setdefault(row_sources_key, []).append(RowSource(prefix, keys, load, replaces))


def _sources(app: web.Application) -> list[RowSource]:
    return app.get(row_sources_key, [])


async def home_keys(app: web.Application, profile: Profile) -> list[str]:
    """Every row key of the home page for this profile, in the page's order."""
    builtin = await rows.row_keys(app[db_key], profile)
    replaced = {key for source in _sources(app) for key in source.replaces}
    added = [key for source in _sources(app) for key in await source.keys(app, profile)]
    kept = [key for key in builtin if key not in replaced]
    head = kept[:1] if kept[:1] == ["continue"] else []
    return [*head, *added, *kept[len(head) :]]


def is_home_key(app: web.Application, key: str) -> bool:
    return rows.is_row_key(key) or any(key.startswith(s.prefix) for s in _sources(app))


async def load_home_row(app: web.Application, profile: Profile, key: str) -> rows.Row | None:
    source = next((s for s in _sources(app) if key.startswith(s.prefix)), None)
    if source is not None:
        row = await source.load(app, profile, key)
    else:
        row = await rows.load_row(app[db_key], profile, key)
    if row is None:
        return None
    # The posters this profile is shown (poster tests), chosen once for the whole row.
    return dataclasses.replace(row, cards=await with_posters(app, profile, row.cards))


async def filled_home_rows(app: web.Application, profile: Profile) -> list[rows.Row]:
    """Every home row that has something to show, in the page's order."""
    found = []
    for key in await home_keys(app, profile):
        row = await load_home_row(app, profile, key)
        if row is not None:
            found.append(row)
    return found
