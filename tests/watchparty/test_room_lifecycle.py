"""Rooms outlive the process (a restart resumes them from the database), close after the empty
grace, and are visible to and ended by other domains through the face."""

from __future__ import annotations

import time

from mediaserver import watchparty
from mediaserver.watchparty import RoomSummary
from tests.helpers import session_token, use_session
from tests.watchparty.conftest import Party, Socket, joined


async def test_restart_resumes_the_room(party: Party, make_app, aiohttp_client) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    await alice.send({"type": "seek", "position": 500.0})
    await alice.send({"type": "chat", "text": "before the restart"})
    await alice.next("chat")
    await alice.send({"type": "play"})
    played = await alice.state(playing=True)
    token = session_token(party.alice.client)
    await party.alice.client.close()  # the server stops (and this browser with it)
    assert await alice.closed() is not None
    assert await bob.closed() == 1001  # going away: reconnect to the next run

    client = await aiohttp_client(make_app())
    use_session(client, token)
    ws = Socket(await client.ws_connect(f"/api/v1/rooms/{room['id']}/ws"))
    welcome = await ws.next("welcome")
    state = welcome["room"]
    assert state["playing"] is True and state["seq"] == played["seq"]
    assert state["position"] == 500.0 and state["at"] == played["at"]
    assert [c["text"] for c in welcome["chat"]] == ["before the restart"]
    await ws.close()


async def test_empty_room_closes_after_the_grace(party: Party) -> None:
    app = party.alice.client.app
    room = await party.alice.create_room(party.movie)
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    rooms = app[watchparty.registry.rooms_key]
    grace = rooms.empty_grace_seconds
    assert await rooms.sweep(time.time() + grace + 1) == []  # someone is connected
    await alice.close()
    assert await rooms.sweep(time.time() + grace / 2) == []
    assert await rooms.sweep(time.time() + grace + 1) == [room["id"]]
    assert await watchparty.list_open_rooms(app) == []
    ws = await party.alice.ws(room["id"])
    assert await ws.closed() == 4404


async def test_face_lists_counts_and_ends_rooms(party: Party) -> None:
    app = party.alice.client.app
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    bob = await party.bob.ws(room["id"])
    await bob.next("welcome")
    assert watchparty.websocket_count(app) == 1
    [summary] = await watchparty.list_open_rooms(app)
    assert isinstance(summary, RoomSummary)
    assert (summary.id, summary.host_name, summary.title_name, summary.media_file_id) == (
        room["id"], "admin", "Heat", party.movie,
    )
    assert (summary.members_connected, summary.members_total, summary.playing) == (1, 2, False)
    assert await watchparty.end_room(app, room["id"], "root") is True
    assert (await bob.next("ended"))["by"] == "root"
    assert await bob.closed() == 4404
    assert watchparty.websocket_count(app) == 0
    assert await watchparty.end_room(app, room["id"], "root") is False
    assert await watchparty.list_open_rooms(app) == []
