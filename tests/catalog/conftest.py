"""Browse fixtures: a signed-in admin with a chosen profile, a kids profile, a seeded catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.keys import db_key
from tests.catalog.seed import Catalog
from tests.helpers import api, csrf_from, pick_profile, setup_admin


@dataclass
class Browse:
    client: TestClient
    cat: Catalog
    csrf: str
    profile_id: int  # the admin's own profile, chosen
    kids_id: int  # a kids profile capped at PG

    async def use(self, profile_id: int) -> None:
        await pick_profile(self.client, profile_id)
        self.csrf = await csrf_from(self.client, "/profiles")


@pytest.fixture
async def browse(make_app, aiohttp_client) -> Browse:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    csrf = await csrf_from(client, "/profiles")
    profiles = await (await client.get("/api/v1/profiles")).json()
    own = profiles["profiles"][0]["id"]
    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    kids = (await resp.json())["id"]
    await pick_profile(client, own)
    return Browse(client, Catalog(client.app[db_key]), csrf, own, kids)
