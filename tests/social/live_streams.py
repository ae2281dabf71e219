"""For the live comment and moment tests: reading a text/event-stream, and a second server
process on the same database with bob signed in (PostgreSQL only)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import pick_profile, sign_in


async def next_event(resp) -> dict:
    """The next `data:` line of an event stream, as JSON."""
    while True:
        line = (await resp.content.readline()).decode()
        if line.startswith("data: "):
            return json.loads(line[6:])


async def bob_on_another_server(
    make_app: Callable, aiohttp_client: Callable, backend: str, profile_id: int
) -> TestClient:
    """Another server on the test's database (as behind a load balancer), bob signed in there
    with `profile_id`; the test is skipped on SQLite, where one server process serves."""
    if backend != "postgres":
        pytest.skip("several servers share a PostgreSQL database; SQLite has one server")
    other = await aiohttp_client(make_app(library={"watch": False}))
    await sign_in(other, "bob", "bob-password-1")
    await pick_profile(other, profile_id)
    return other
