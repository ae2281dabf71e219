"""Moments appear live: a player listening to a file's moment stream hears of one another viewer
types (and of its deletion) at once, on the same server or, on PostgreSQL, on another server
sharing the database; and a kids profile cannot listen to an adult title's."""

from __future__ import annotations

import asyncio

from tests.helpers import pick_profile
from tests.social.live_streams import bob_on_another_server, next_event
from tests.social.test_reactions_moments import post
from tests.watchparty.conftest import Party, party  # noqa: F401  (fixture)


async def test_a_moment_typed_by_one_viewer_reaches_another_live(party: Party) -> None:  # noqa: F811
    url = f"/media/{party.movie}/moments/events"
    async with party.bob.client.get(url) as stream:
        assert stream.status == 200 and stream.content_type == "text/event-stream"
        made = await post(party.alice, party.movie, 12.0, "Look at this")
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event == {"kind": "new", "id": made["id"]}
        resp = await party.alice.api("DELETE", f"/api/v1/moments/{made['id']}")
        assert resp.status == 204
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event == {"kind": "delete", "id": made["id"]}


async def test_a_moment_typed_on_one_server_reaches_a_viewer_on_another(
    party: Party,  # noqa: F811
    make_app,
    aiohttp_client,
    backend: str,
) -> None:
    """Two server processes on one PostgreSQL database (a load balancer sends alice to one, bob
    to the other): bob hears alice's moment and its deletion without waiting for a reload."""
    other = await bob_on_another_server(make_app, aiohttp_client, backend, party.bob.profile_id)
    async with other.get(f"/media/{party.movie}/moments/events") as stream:
        assert stream.status == 200
        made = await post(party.alice, party.movie, 30.0, "Across the servers")
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event == {"kind": "new", "id": made["id"]}
        resp = await party.alice.api("DELETE", f"/api/v1/moments/{made['id']}")
        assert resp.status == 204
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event == {"kind": "delete", "id": made["id"]}


async def test_a_kids_profile_cannot_listen_to_an_adult_titles_moments(party: Party) -> None:  # noqa: F811
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.client.get(f"/media/{party.movie}/moments/events")
    assert resp.status == 404
