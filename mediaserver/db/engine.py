"""The async engine for SQLite or PostgreSQL, and the one-writer rule for SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from mediaserver.config import ConfigError


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message says which and why (no password)."""


class Database:
    """Holds the engine; `read()` and `write()` hand out connections.

    SQLite allows one writer at a time. Rather than let concurrent writers race for the file lock
    (and surface "database is locked"), writes in this process queue on an asyncio lock, and
    busy_timeout covers other processes (the CLI, a second worker).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.is_postgres = engine.dialect.name == "postgresql"
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        # Same pool; on SQLite its connections skip BEGIN (see read()).
        self._read_engine = engine.execution_options(sqlite_autocommit=True)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading only (writes go through write()).

        Each statement sees a consistent snapshot, but two statements may see different ones,
        as under PostgreSQL's default READ COMMITTED. On SQLite the statements run in autocommit
        mode instead of inside BEGIN ... ROLLBACK: that saves two round trips to the driver's
        thread per read, and no read transaction stays open to hold back WAL checkpoints.
        """
        async with self._read_engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success and rolls back on error."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.connect() as conn:
            # IMMEDIATE takes the write lock up front, so a read-then-write transaction
            # never deadlocks with another process halfway through (see _sqlite_begin).
            await conn.execution_options(sqlite_immediate=True)
            async with conn.begin():
                yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types are untyped
    # The SQLite driver would otherwise open its own transactions; we issue BEGIN ourselves.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # pysqlite's own transaction handling is off (isolation_level=None), so we emit BEGIN,
    # except on Database.read() connections: there each statement commits by itself.
    options = conn.get_execution_options()
    if options.get("sqlite_autocommit"):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")


def create_database(url: str, *, pool_size: int = 10, connect_timeout: float = 10.0) -> Database:
    """Build the engine for `url`; raise ConfigError for a malformed URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("database.url is not a valid database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    elif backend == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        engine = create_async_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"timeout": connect_timeout},
        )
    else:
        raise ConfigError(
            f"database.url: unsupported database '{backend}' (use sqlite or postgresql)"
        )
    return Database(engine)


def describe(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


async def connect_checked(db: Database, url: str, timeout: float) -> None:
    """Fail fast with a readable message when the database cannot be reached."""
    try:
        await asyncio.wait_for(db.ping(), timeout=timeout + 1)
    except (TimeoutError, OSError, sa.exc.DBAPIError, sa.exc.InterfaceError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe(url)}: {type(reason).__name__}: {reason}"
        ) from None
    except Exception as exc:  # asyncpg raises its own hierarchy for auth/unknown db
        raise DatabaseUnavailable(
            f"cannot use the database at {describe(url)}: {type(exc).__name__}: {exc}"
        ) from None
