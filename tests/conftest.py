"""Shared fixtures: settings in a temp folder, a migrated database on every backend, the app.

Every test that uses `db`, `settings`, `app` or `client` runs on SQLite, and again on
PostgreSQL when MEDIASERVER_TEST_POSTGRES_URL is set (CI sets it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediaserver.config import Settings, load_settings
from mediaserver.db.engine import Database, create_database
from mediaserver.db.migrate import upgrade

POSTGRES_URL = os.environ.get("MEDIASERVER_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    # One PostgreSQL database shared by the run: start each test from an empty schema.
    db = create_database(POSTGRES_URL)
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await db.close()
    return POSTGRES_URL


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        environ={},
        overrides={
            "paths": {"data_dir": tmp_path / "data", "cache_dir": tmp_path / "cache",
                      "min_free_bytes": 0},
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
