"""A full disk: every write answers 507 "the disk is full" (never a 500), reads keep working,
and writes work again once there is room."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
import sqlalchemy as sa

from mediaserver.keys import db_key
from tests.catalog.player_helpers import signed_in_catalog
from tests.helpers import ADMIN, api, post_login


@pytest.fixture
def disk(client, monkeypatch):
    """`disk.fill()` makes every database write fail as SQLite does on a full volume (and
    PostgreSQL's "could not extend file" reads the same way); `disk.free()` gives room back."""
    db = client.app[db_key]
    real_write = db.write

    @contextlib.asynccontextmanager
    async def full_write():
        raise sa.exc.OperationalError(
            "UPDATE", {}, sqlite3.OperationalError("database or disk is full")
        )
        yield  # pragma: no cover - never reached

    class Disk:
        def fill(self) -> None:
            monkeypatch.setattr(db, "write", full_write)

        def free(self) -> None:
            monkeypatch.setattr(db, "write", real_write)

    return Disk()


async def test_progress_save_and_sign_in_answer_507_while_reads_work(client, disk) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/progress/{catalog.heat}"
    disk.fill()
    resp = await api(client, "PUT", url, {"position": 42.5, "duration": 100}, csrf=csrf)
    assert resp.status == 507, await resp.text()
    problem = await resp.json()
    assert "the disk is full" in problem["detail"]
    assert (await client.get(url)).status == 404  # reading works: nothing was saved
    assert (await client.get("/")).status == 200  # pages still show
    login = await post_login(client, *ADMIN)
    assert login.status == 507 and "the disk is full" in await login.text()

    disk.free()  # room again: the same save works
    resp = await api(client, "PUT", url, {"position": 42.5, "duration": 100}, csrf=csrf)
    assert resp.status == 200, await resp.text()
