"""Per-user limits: which libraries an account may see, the highest video height it may play,
how many devices may stream at once and whether it may download originals.

An admin sets them on the user's page (`set_limits`). What is enforced is `effective_limits`:
the admin's limits narrowed by every further source the app registered with
`add_limit_source` (a paid plan's entitlements, say), each limit the strictest of them.

Libraries are enforced inside the catalog's SQL (`library_condition`), so a title of another
library is "not found" wherever it is asked for; heights and streams at the playback decision
and in the media token; downloads where an original is handed out as a file.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts.identity import Identity
from mediaserver.db.catalog_schema import libraries
from mediaserver.db.engine import Database
from mediaserver.db.limits_schema import user_library_access, user_limits
from mediaserver.db.rights import bump
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import BadRequest
from mediaserver.keys import db_key

MAX_HEIGHT = 10_000
MAX_STREAMS = 100


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    """What one account may do; the defaults are no limits at all."""

    library_ids: frozenset[int] | None = None  # None: every library
    max_height: int = 0  # pixels; 0: no cap
    max_streams: int = 0  # devices streaming at once; 0: no limit
    may_download: bool = True
    max_downloads: int = 0  # titles saved for offline at once; 0: no limit
    max_profiles: int = 0  # profiles the account may have; 0: no limit
    upgrade_hint: str = ""  # why a limit is lower and where to raise it (a plan page), or ""

    def as_json(self) -> dict[str, object]:
        ids = None if self.library_ids is None else sorted(self.library_ids)
        return {
            "library_ids": ids,
            "max_height": self.max_height,
            "max_streams": self.max_streams,
            "may_download": self.may_download,
        }

    def allows_library(self, library_id: int) -> bool:
        return self.library_ids is None or library_id in self.library_ids

    def narrowed(self, other: EffectiveLimits) -> EffectiveLimits:
        """The strictest of both, limit by limit (0 and None mean "no limit")."""
        if self.library_ids is None or other.library_ids is None:
            ids = self.library_ids if other.library_ids is None else other.library_ids
        else:
            ids = self.library_ids & other.library_ids
        return EffectiveLimits(
            library_ids=ids,
            max_height=_lowest(self.max_height, other.max_height),
            max_streams=_lowest(self.max_streams, other.max_streams),
            may_download=self.may_download and other.may_download,
            max_downloads=_lowest(self.max_downloads, other.max_downloads),
            max_profiles=_lowest(self.max_profiles, other.max_profiles),
            upgrade_hint=self.upgrade_hint or other.upgrade_hint,
        )


NO_LIMITS = EffectiveLimits()
LimitSource = Callable[[Database, int], Awaitable[EffectiveLimits]]
limit_sources_key: web.AppKey[list[LimitSource]] = web.AppKey("limit_sources")


def _lowest(a: int, b: int) -> int:
    return min((v for v in (a, b) if v), default=0)


@dataclass(frozen=True, slots=True)
class LibraryChoice:
    """A library as the admin's limits form lists it."""

    id: int
    name: str
    allowed: bool


def add_limit_source(app: web.Application, source: LimitSource) -> None:
    """Narrow every account's limits by `source(db, user_id)` from now on."""
    app.setdefault(limit_sources_key, []).append(source)


async def admin_limits(db: Database, user_id: int) -> EffectiveLimits:
    """The limits an admin set on this account (no limits when none were set)."""
    async with db.read() as conn:
        row = (
            await conn.execute(sa.select(user_limits).where(user_limits.c.user_id == user_id))
        ).first()
        if row is None:
            return NO_LIMITS
        ids = None
        if not row.all_libraries:
            query = sa.select(user_library_access.c.library_id).where(
                user_library_access.c.user_id == user_id
            )
            ids = frozenset((await conn.execute(query)).scalars())
    return EffectiveLimits(ids, row.max_height or 0, row.max_streams or 0, bool(row.may_download))


async def effective_limits(app: web.Application, user_id: int) -> EffectiveLimits:
    """What is enforced for this account: the admin's limits narrowed by every source."""
    db = app[db_key]
    limits = await admin_limits(db, user_id)
    for source in app.get(limit_sources_key, []):
        limits = limits.narrowed(await source(db, user_id))
    return limits


async def may_download(app: web.Application, identity: Identity) -> bool:
    """Whether the caller may take originals away as files."""
    if identity.user is None:
        return False
    return (await effective_limits(app, identity.user.id)).may_download


async def library_limited(db: Database, user_id: int) -> bool:
    """Whether the admin limited this account to some libraries."""
    query = sa.select(user_limits.c.user_id).where(
        user_limits.c.user_id == user_id, user_limits.c.all_libraries.is_(False)
    )
    async with db.read() as conn:
        return await conn.scalar(query) is not None


def library_condition(
    user_id: int, library_column: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """SQL: the row's library is one this account may see (all, unless an admin chose some)."""
    limited = (
        sa.select(user_limits.c.user_id)
        .where(user_limits.c.user_id == user_id, user_limits.c.all_libraries.is_(False))
        .exists()
    )
    granted = sa.select(user_library_access.c.library_id).where(
        user_library_access.c.user_id == user_id
    )
    return sa.or_(~limited, library_column.in_(granted))


async def library_choices(db: Database, limits: EffectiveLimits) -> list[LibraryChoice]:
    """Every library by name, marked where these limits allow it."""
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(libraries.c.id, libraries.c.name))).all()
    found = [LibraryChoice(r.id, r.name, limits.allows_library(r.id)) for r in rows]
    return sorted(found, key=lambda c: c.name.lower())


async def set_limits(
    db: Database, user_id: int, limits: EffectiveLimits, now: float | None = None
) -> None:
    """Store an admin's limits for this account. Its media URLs handed out before stop working
    (the user's rights generation is raised with the change), so a lower cap or a library
    taken away reaches plays already running; players ask again under the new limits."""
    at = time.time() if now is None else now
    values = {
        "all_libraries": limits.library_ids is None,
        "max_height": limits.max_height or None,
        "max_streams": limits.max_streams or None,
        "may_download": limits.may_download,
        "updated_at": at,
    }
    async with db.write() as conn:
        stmt = dialect_insert(conn, user_limits).values(user_id=user_id, **values)
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=[user_limits.c.user_id], set_=values)
        )
        await conn.execute(
            sa.delete(user_library_access).where(user_library_access.c.user_id == user_id)
        )
        await _grant(conn, user_id, limits.library_ids or ())
        await bump(conn, "user", [user_id], at)


async def _grant(conn: sa.ext.asyncio.AsyncConnection, user_id: int, ids: Iterable[int]) -> None:
    wanted = sorted(set(ids))
    if not wanted:
        return
    known = sa.select(libraries.c.id).where(libraries.c.id.in_(wanted))
    missing = set(wanted) - set((await conn.execute(known)).scalars())
    if missing:  # raised inside the transaction: nothing of the change is kept
        names = ", ".join(f"#{i}" for i in sorted(missing))
        raise BadRequest(f"No such library: {names}.", field="library_ids")
    rows = [{"user_id": user_id, "library_id": i} for i in wanted]
    await conn.execute(sa.insert(user_library_access), rows)
