"""Shared fixtures: settings in a temp folder, a migrated database on every backend, the app.

Every test that uses `db`, `settings`, `app` or `client` runs on SQLite, and again on
PostgreSQL when MEDIASERVER_TEST_POSTGRES_URL is set (CI sets it). The markers `browser`, `postgres`
and `slow` slice the suite (README, "Running part of the suite").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

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
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    # Each test gets its own PostgreSQL database, so tests (and people) never share state.
    name = f"mst_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


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
