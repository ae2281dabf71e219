"""Shared fixtures: settings in a temp folder, a migrated database on every backend, the app.

Every test that uses `db`, `settings`, `app` or `client` runs on SQLite, and again on
PostgreSQL when MEDIASERVER_TEST_POSTGRES_URL is set (CI sets it). The markers `browser`, `postgres`
and `slow` slice the suite (README, "Running part of the suite").
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from mediaserver.config import Settings
from mediaserver.config_loading import load_settings
from mediaserver.db.engine import Database, create_database
from mediaserver.db.migrate import upgrade

POSTGRES_URL = os.environ.get("MEDIASERVER_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what can be told from where a test lives and how it is parametrized: everything under
    tests/browser is `browser`, every test run on the postgres backend is `postgres`. `slow` is
    marked by hand on the tests themselves."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


async def _migrate(url: str) -> None:
    database = create_database(url)
    try:
        await upgrade(database)
    finally:
        await database.close()


async def _create_postgres(name: str, template: str | None = None) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            source = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"{source}'))
    finally:
        await admin.dispose()


async def _drop_postgres(name: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run to the end in a thread of its own: the session fixtures below are first asked for
    from inside a test's running event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


# Migrating a database from empty costs about a second on PostgreSQL and half of one on SQLite;
# over a thousand database tests that is most of the suite's time. So each backend's database
# is migrated once per session with mediaserver.db.migrate.upgrade (the path the server takes)
# and every test starts from a copy of it. The migrations themselves are still run: here, by
# tests/core/test_schema_drift.py's comparison of the result, and by `mediaserver migrate`.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    with sqlite3.connect(path) as conn:  # everything into the main file, so one copy holds it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"mst_template_{uuid.uuid4().hex[:12]}"
    _run(_create_postgres(name))
    try:
        _run(_migrate(_postgres_url(name)))
        yield name
    finally:
        _run(_drop_postgres(name))


@pytest.fixture
async def db_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A database of its own for the test, already migrated to head."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    # Each test gets its own PostgreSQL database, so tests (and people) never share state.
    name = f"mst_{uuid.uuid4().hex[:16]}"
    await _create_postgres(name, template=request.getfixturevalue("postgres_template"))
    try:
        yield _postgres_url(name)
    finally:
        await _drop_postgres(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        environ={},
        overrides={
            "paths": {
                "data_dir": tmp_path / "data",
                "cache_dir": tmp_path / "cache",
                "min_free_bytes": 0,
            },
            "database": {"url": db_url},
            "jobs": {"poll_seconds": 0.05, "retry_base_seconds": 0.0},
            "logging": {"access_log": False},
        },
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = create_database(settings.database_url)
    await upgrade(database)
    yield database
    await database.close()


@pytest.fixture
def make_app(settings: Settings):
    """Build the app for `settings` (optionally changed first)."""
    from mediaserver.app import create_app

    def _make(**changes: dict) -> object:
        for section, values in changes.items():
            for key, value in values.items():
                setattr(getattr(settings, section), key, value)
        return create_app(settings)

    return _make


@pytest.fixture
async def client(make_app, aiohttp_client):
    return await aiohttp_client(make_app())
