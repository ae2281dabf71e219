"""Watch-together fixtures: a server with a small catalog, an admin (alice) and a user (bob),
each in their own browser (cookie jar), bob with a kids profile too; helpers to open rooms and
room WebSockets and to read the messages they send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, CookieJar, WSMsgType
from aiohttp.test_utils import TestClient

from mediaserver.keys import db_key
from tests.catalog.seed import Catalog
from tests.helpers import api, create_user, csrf_from, pick_profile, setup_admin, sign_in

BOB = ("bob", "bob-password-1")


@dataclass
class Browser:
    """One person's browser: its client, CSRF token and the profile it acts as."""

    client: TestClient
    csrf: str
    profile_id: int

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        return await api(self.client, method, path, body, csrf=self.csrf)

    async def create_room(self, media_file_id: int, **extra: Any) -> dict:
        resp = await self.api("POST", "/api/v1/rooms", {"media_file_id": media_file_id, **extra})
        assert resp.status == 201, await resp.text()
        return (await resp.json())["room"]

    async def invite(self, room_id: str, **extra: Any) -> dict:
        resp = await self.api("POST", f"/api/v1/rooms/{room_id}/invites", extra)
        assert resp.status == 201, await resp.text()
        return (await resp.json())["invite"]

    async def ws(self, room_id: str, **kw: Any) -> Socket:
        ws = await self.client.ws_connect(f"/api/v1/rooms/{room_id}/ws", **kw)
        return Socket(ws)


@dataclass
class Socket:
    """A room WebSocket with a reader that keeps what it received, by type."""

    ws: ClientWebSocketResponse
    seen: list[dict] = field(default_factory=list)

    async def send(self, message: dict) -> None:
        await self.ws.send_str(json.dumps(message))

    async def next(self, kind: str, timeout: float = 5.0, **match: Any) -> dict:
        """The next message of this type (and these field values), skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.receive()
                if msg.type is not WSMsgType.TEXT:
                    raise AssertionError(f"socket ended while waiting for {kind}: {msg}")
                data = json.loads(msg.data)
                self.seen.append(data)
                if data["type"] == kind and all(data.get(k) == v for k, v in match.items()):
                    return data

    async def state(self, timeout: float = 5.0, **match: Any) -> dict:
        """The next room state whose fields match."""
        async with asyncio.timeout(timeout):
            while True:
                room = (await self.next("state", timeout))["room"]
                if all(room.get(k) == v for k, v in match.items()):
                    return room

    async def closed(self, timeout: float = 5.0) -> int | None:
        """Read until the server closes; the close code."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.receive()
                if msg.type is WSMsgType.CLOSE:
                    return msg.data  # the code the server sent
                if msg.type in (WSMsgType.CLOSED, WSMsgType.CLOSING):
                    return self.ws.close_code
                if msg.type is WSMsgType.TEXT:
                    self.seen.append(json.loads(msg.data))

    async def close(self) -> None:
        await self.ws.close()


@dataclass
class Party:
    alice: Browser  # the admin, acting as her own profile
    bob: Browser
    bob_kids_id: int
    bob_id: int
    cat: Catalog
    movie: int  # file of an R-rated movie
    cartoon: int  # file of a G-rated movie
    episodes: dict[tuple[int, int], int]  # files of a PG series

    async def other_browser(self) -> TestClient:
        return await _browser(self.alice.client)


async def _browser(main: TestClient) -> TestClient:
    """A second browser on the same server (its own cookies)."""
    other = TestClient(main.server, cookie_jar=CookieJar(unsafe=True))
    await other.start_server()
    return other


async def _own_profile(client: TestClient) -> int:
    profiles = await (await client.get("/api/v1/profiles")).json()
    return profiles["profiles"][0]["id"]


@pytest.fixture
async def party(make_app, aiohttp_client) -> AsyncIterator[Party]:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    bob_id = await create_user(client, *BOB)
    alice_profile = await _own_profile(client)
    await pick_profile(client, alice_profile)
    alice = Browser(client, await csrf_from(client, "/profiles"), alice_profile)

    other = await _browser(client)
    await sign_in(other, *BOB)
    bob_profile = await _own_profile(other)
    csrf = await csrf_from(other, "/profiles")
    resp = await api(
        other, "POST", "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}, csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    kids = (await resp.json())["id"]
    await pick_profile(other, bob_profile)
    bob = Browser(other, await csrf_from(other, "/profiles"), bob_profile)

    cat = Catalog(client.app[db_key])
    _, movie = await cat.movie("Heat", rating="R")
    _, cartoon = await cat.movie("Bluey Big Day", rating="G")
    _, files = await cat.series("Show", season_count=1, per_season=2, rating="PG")
    try:
        yield Party(alice, bob, kids, bob_id, cat, movie, cartoon, files)
    finally:
        await other.close()


async def joined(party: Party, room_id: str) -> None:
    """Bob joins alice's room through an invite link."""
    invite = await party.alice.invite(room_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303, await resp.text()
