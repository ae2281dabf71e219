"""The database connection pool's use, from SQLAlchemy's pool status (no query)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mediaserver.keys import db_key


@dataclass(frozen=True, slots=True)
class PoolFigures:
    size: int  # connections kept open
    in_use: int  # checked out now
    idle: int  # open and waiting in the pool
    overflow: int  # opened beyond size (negative while the pool is still filling)


def pool_figures(app: web.Application) -> PoolFigures | None:
    """Figures of the pool (PostgreSQL's queue pool, SQLite's); None before the database opens."""
    db = app.get(db_key)
    if db is None:
        return None
    pool = db.engine.pool
    # Every pool SQLAlchemy gives the async engines (queue pools) has these; a pool without
    # them (a custom one) reports zeros rather than breaking the scrape.
    size = getattr(pool, "size", lambda: 0)()
    in_use = getattr(pool, "checkedout", lambda: 0)()
    idle = getattr(pool, "checkedin", lambda: 0)()
    overflow = getattr(pool, "overflow", lambda: 0)()
    return PoolFigures(int(size), int(in_use), int(idle), int(overflow))
