"""Adding a library and waiting for its scan and metadata jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.keys import db_key
from tests.helpers import api, csrf_from, pick_profile, setup_admin
from tests.library.test_libraries_admin import wait_jobs

JSON = {"Accept": "application/json"}


async def scan_library(client: TestClient, root: Path, kind: str = "mixed") -> int:
    csrf = await csrf_from(client, "/admin/libraries")
    body = {"name": root.name, "kind": kind, "paths": [str(root)]}
    resp = await api(client, "POST", "/api/v1/libraries", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    await wait_jobs(client, timeout=60)
    return (await resp.json())["id"]


async def query(client: TestClient, sql: str, **params: Any) -> list[Any]:
    async with client.app[db_key].read() as conn:
        return list((await conn.execute(sa.text(sql), params)).all())


async def title_id(client: TestClient, name: str) -> int:
    rows = await query(client, "SELECT id FROM titles WHERE title = :t", t=name)
    assert len(rows) == 1, (name, await query(client, "SELECT title FROM titles"))
    return rows[0][0]


async def admin_client(make_app, aiohttp_client, metadata: dict[str, Any]) -> TestClient:
    """A server with these metadata settings, signed in as the admin with a profile chosen."""
    app = make_app(library={"watch": False}, metadata=metadata) if metadata else make_app()
    client = await aiohttp_client(app)
    await setup_admin(client)
    (profile,) = await query(client, "SELECT id FROM profiles ORDER BY id LIMIT 1")
    await pick_profile(client, profile[0])
    return client
