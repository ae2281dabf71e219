"""The rights generations media URLs are checked against, kept in memory.

A media token carries the generations of its user, profile and file as they were when it was
issued (db/rights.py). Every media request compares them with this table (three dict lookups,
no query) and is refused once one is behind: an account disabled, a profile made kids, a file
removed reaches URLs already handed out.

The table is read from the database when the server starts and then every REFRESH_SECONDS, one
query for the rows changed lately, so changes made by another instance (or the CLI) arrive
within seconds. "Lately" reaches LOOKBACK_SECONDS behind the newest change seen, so a change
whose transaction committed late, or that was stamped by a server whose clock is a little
behind, is still read; every FULL_RELOAD_SECONDS the whole table is read again, whatever the
clocks say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.engine import Database
from mediaserver.db.rights import GenerationChange, Generations, changed_since, generations_of
from mediaserver.keys import db_key
from mediaserver.streaming.tokens import MediaGrant

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
LOOKBACK_SECONDS = 60.0
FULL_RELOAD_SECONDS = 300.0


class RightsTable:
    """See the module docstring. Used from the event loop only."""

    def __init__(self) -> None:
        self._users: dict[int, int] = {}
        self._profiles: dict[int, int] = {}
        self._files: dict[int, int] = {}
        self._newest: float | None = None  # the latest changed_at read, by the writers' clocks
        self._full_at = 0.0  # monotonic time of the last full read

    def is_revoked(self, grant: MediaGrant) -> bool:
        """Whether a right the grant was issued under has changed since."""
        issued = grant.generations
        return (
            self._users.get(grant.user_id, 0) > issued.user
            or self._profiles.get(grant.profile_id, 0) > issued.profile
            or self._files.get(grant.media_file_id, 0) > issued.file
        )

    def changed_since(
        self, user_id: int, profile_id: int, media_file_id: int, seen: Generations
    ) -> bool:
        """Whether a right behind `seen` (read when access was granted) has changed since."""
        return (
            self._users.get(user_id, 0) > seen.user
            or self._profiles.get(profile_id, 0) > seen.profile
            or self._files.get(media_file_id, 0) > seen.file
        )

    def _learn(self, table: dict[int, int], subject_id: int, generation: int) -> None:
        if generation > table.get(subject_id, 0):
            table[subject_id] = generation

    def learn(self, grant: MediaGrant) -> None:
        """Take in generations just read from the database for a token being issued."""
        self._learn(self._users, grant.user_id, grant.generations.user)
        self._learn(self._profiles, grant.profile_id, grant.generations.profile)
        self._learn(self._files, grant.media_file_id, grant.generations.file)

    def _apply(self, change: GenerationChange) -> None:
        tables = {"user": self._users, "profile": self._profiles, "file": self._files}
        self._learn(tables[change.kind], change.subject_id, change.generation)
        if self._newest is None or change.changed_at > self._newest:
            self._newest = change.changed_at

    async def refresh(self, db: Database) -> None:
        """Read what changed since the last refresh (everything, now and then)."""
        now = time.monotonic()
        full = self._newest is None or now - self._full_at >= FULL_RELOAD_SECONDS
        since = None if full or self._newest is None else self._newest - LOOKBACK_SECONDS
        async with db.read() as conn:
            changes = await changed_since(conn, since)
        for change in changes:
            self._apply(change)
        if full:
            self._full_at = now


rights_key: web.AppKey[RightsTable] = web.AppKey("streaming_rights")


async def current_generations(
    app: web.Application, user_id: int, profile_id: int, media_file_id: int
) -> Generations:
    """The generations to bind into a token about to be issued, read from the database.

    Read before the rights are checked: a change that commits after this read raises a
    generation the token does not carry, and one that committed before it is seen by the check.
    """
    async with app[db_key].read() as conn:
        return await generations_of(conn, user_id, profile_id, media_file_id)


def rights_changed(
    app: web.Application, user_id: int, profile_id: int, media_file_id: int, seen: Generations
) -> bool:
    """For long-lived access granted outside a media token (a watch-together socket): whether
    the user's, profile's or file's rights changed since `seen` (from current_generations).
    Memory only, so it may run on every message."""
    return app[rights_key].changed_since(user_id, profile_id, media_file_id, seen)


async def _keep_fresh(app: web.Application) -> None:
    table, db = app[rights_key], app[db_key]
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        try:
            await table.refresh(db)
        except (OSError, sa.exc.SQLAlchemyError) as exc:  # the database is away: try again
            log.warning("rights generations not refreshed: %s", exc)


async def rights_ctx(app: web.Application) -> AsyncIterator[None]:
    """Load the generations before serving, then keep them fresh until shutdown."""
    await app[rights_key].refresh(app[db_key])
    task = asyncio.create_task(_keep_fresh(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
