"""Comment test fixtures: the watch-together party (an admin alice, a user bob with a kids
profile, a small catalog) plus the title ids, and shortcuts for the comments API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_files
from mediaserver.keys import db_key
from tests.watchparty.conftest import Browser, Party


@dataclass
class Forum:
    party: Party
    heat: int  # R-rated movie title
    heat_file: int
    cartoon: int  # G-rated movie title
    show: int  # PG series
    episode: int  # its S1E1
    episode_file: int

    @property
    def alice(self) -> Browser:
        return self.party.alice

    @property
    def bob(self) -> Browser:
        return self.party.bob


async def post(who: Browser, title_id: int, text: Any, **extra: Any) -> Any:
    return await who.api("POST", f"/api/v1/titles/{title_id}/comments", {"text": text, **extra})


async def posted(who: Browser, title_id: int, text: str, **extra: Any) -> dict:
    resp = await post(who, title_id, text, **extra)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["comment"]


async def listing(who: Browser, title_id: int, query: str = "") -> dict:
    resp = await who.client.get(f"/api/v1/titles/{title_id}/comments{query}")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _owner(party: Party, file_id: int) -> tuple[int, int | None]:
    query = sa.select(media_files.c.title_id, media_files.c.episode_id).where(
        media_files.c.id == file_id
    )
    async with party.alice.client.app[db_key].read() as conn:
        row = (await conn.execute(query)).one()
    return row.title_id, row.episode_id


@pytest.fixture
async def forum(party: Party) -> Forum:
    heat, _ = await _owner(party, party.movie)
    cartoon, _ = await _owner(party, party.cartoon)
    episode_file = party.episodes[(1, 1)]
    show, episode = await _owner(party, episode_file)
    assert episode is not None
    return Forum(party, heat, party.movie, cartoon, show, episode, episode_file)
