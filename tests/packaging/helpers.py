"""Packaging test plumbing: signing in with a profile, raw HTTP requests, and a hand-made
published ladder."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import libraries, media_files
from mediaserver.db.engine import Database
from mediaserver.db.packaging_schema import ladders
from tests.helpers import pick_profile, session_token, setup_admin


async def sign_in_with_profile(client: TestClient) -> str:
    """First-run admin, signed in, first profile chosen. Returns the session cookie value."""
    await setup_admin(client)
    resp = await client.get("/api/v1/profiles")
    assert resp.status == 200, await resp.text()
    await pick_profile(client, (await resp.json())["profiles"][0]["id"])
    return session_token(client)


async def raw_get(client: TestClient, target: str, headers: dict[str, str] | None = None):
    """Send `GET <target>` exactly as written (no client-side normalising or quoting).
    Returns (status, headers text, body bytes)."""
    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1"), body


async def add_media_file(db: Database, folder: str, name: str = "movie.mkv", **values: Any) -> int:
    """A library (policy preencode) and one media file row in it; returns the file id."""
    now = time.time()
    async with db.write() as conn:
        library_id = await conn.scalar(
            sa.select(libraries.c.id).where(libraries.c.name == "Packaged")
        )
        if library_id is None:
            library_id = (
                await conn.execute(
                    libraries.insert()
                    .values(
                        name="Packaged",
                        kind="movies",
                        paths=[folder],
                        policy="preencode",
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(libraries.c.id)
                )
            ).scalar_one()
        return (
            await conn.execute(
                media_files.insert()
                .values(
                    library_id=library_id,
                    path=f"{folder}/{name}",
                    display_path=f"{folder}/{name}",
                    **({"size": 1, "mtime": now} | values),
                    first_seen_at=now,
                    last_seen_at=now,
                )
                .returning(media_files.c.id)
            )
        ).scalar_one()


async def mark_published(db: Database, media_file_id: int, **values: Any) -> None:
    now = time.time()
    row = {
        "status": "ready",
        "storage_prefix": f"ladders/{media_file_id}/v1",
        "rungs": [{"name": "360p", "width": 640, "height": 360}],
        "audio": [],
        "subtitles": [],
        "posters": [],
        "updated_at": now,
        "published_at": now,
    } | values
    async with db.write() as conn:
        await conn.execute(
            ladders.insert().values(media_file_id=media_file_id, created_at=now, **row)
        )
