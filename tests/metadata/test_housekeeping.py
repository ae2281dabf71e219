"""Housekeeping: shows still airing are refreshed when due (new episodes get their names);
expired cached answers are dropped."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from mediaserver.db.providers_schema import metadata_matches, provider_cache
from mediaserver.keys import db_key
from mediaserver.metadata.jobs import housekeeping
from tests.library.scan_helpers import place
from tests.library.test_libraries_admin import wait_jobs
from tests.metadata.helpers import admin_client, query, scan_library, title_id


async def test_airing_shows_are_refreshed_when_due(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await admin_client(make_app, aiohttp_client, fake.settings(tmdb=False))
    root = tmp_path / "Shows"
    place(clip, root / "The Lighthouse Keepers (2019)" / "Season 01" / "Keepers S01E01.mkv")
    await scan_library(client, root, "shows")
    tid = await title_id(client, "The Lighthouse Keepers")
    # The provider renames the first episode; the next refresh is due.
    fake.maze[82]["_embedded"]["episodes"][0]["name"] = "Arrival (Extended)"
    db = client.app[db_key]
    async with db.write() as conn:
        await conn.execute(provider_cache.update().values(expires_at=0.0))  # stale answers
        await conn.execute(
            metadata_matches.update().where(metadata_matches.c.title_id == tid)
            .values(next_refresh_at=time.time() - 1)
        )  # fmt: skip
    dropped = await housekeeping(client.app)
    assert dropped >= 2  # the show and its images answers
    await wait_jobs(client)
    (ep,) = await query(client, "SELECT title FROM episodes WHERE series_id = :i", i=tid)
    assert ep[0] == "Arrival (Extended)"  # it still held what the provider wrote before
    async with db.read() as conn:
        due = await conn.scalar(
            sa.select(metadata_matches.c.next_refresh_at).where(metadata_matches.c.title_id == tid)
        )
    assert due > time.time() + 6 * 86400
