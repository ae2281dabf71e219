"""The room WebSocket: welcome, clock pings, scheduled commands reaching every member, host
rights, buffering waits that end, reconnects, chat and reactions, and host controls."""

from __future__ import annotations

import asyncio
import time

from tests.helpers import pick_profile
from tests.watchparty.conftest import Party, Socket, joined


def server_now() -> float:
    return time.time() * 1000.0


def position_now(room: dict) -> float:
    """The room's position now, by the protocol's formula."""
    t = server_now()
    if not room["playing"] or t < room["at"]:
        return room["position"]
    return room["position"] + (t - room["at"]) / 1000.0 * room["rate"]


async def test_welcome_and_ping(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    ws = await party.alice.ws(room["id"])
    welcome = await ws.next("welcome")
    assert welcome["room"]["id"] == room["id"]
    assert welcome["room"]["media_file_id"] == party.movie
    assert welcome["room"]["title_name"] == "Heat"
    assert welcome["room"]["host_member_id"] == welcome["member_id"]
    assert welcome["room"]["playing"] is False and welcome["room"]["waiting_for"] == []
    assert abs(welcome["server_time"] - server_now()) < 5000
    assert [m["profile_name"] for m in welcome["members"]] == ["admin"]
    assert welcome["chat"] == []
    t0 = server_now()
    await ws.send({"type": "ping", "id": 7, "t0": t0})
    pong = await ws.next("pong")
    assert pong["id"] == 7 and pong["t0"] == t0
    assert pong["t1"] <= pong["t2"]
    await ws.close()


async def test_unknown_and_bad_messages_get_errors_and_the_connection_stays(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    ws = await party.alice.ws(room["id"])
    await ws.next("welcome")
    await ws.send({"type": "dance"})
    assert (await ws.next("error"))["code"] == "unknown_type"
    await ws.send({"type": "rate", "rate": 9})
    assert (await ws.next("error"))["code"] == "bad_field"
    await ws.ws.send_str("not json")
    assert (await ws.next("error"))["code"] == "bad_json"
    await ws.send({"type": "ping", "id": 1, "t0": 1.0})
    assert (await ws.next("pong"))["id"] == 1
    await ws.close()


async def test_play_is_scheduled_and_reaches_every_member_with_one_seq(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    before = server_now()
    await alice.send({"type": "play"})
    seen_by_alice = await alice.state(playing=True)
    seen_by_bob = await bob.state(playing=True)
    assert seen_by_alice == seen_by_bob
    assert seen_by_alice["at"] >= before + 150  # scheduled ahead, so all start together
    assert seen_by_alice["position"] == 0.0
    await bob.send({"type": "pause"})  # host-only room: bob may not
    error = await bob.next("error")
    assert error["code"] == "host_only"
    await alice.send({"type": "seek", "position": 120.5})
    seeked = await bob.state(position=120.5)
    assert seeked["playing"] is True and seeked["seq"] == seen_by_bob["seq"] + 1
    await alice.close()
    await bob.close()


async def test_everyone_may_control_when_the_host_allows(party: Party) -> None:
    room = await party.alice.create_room(party.movie, control="everyone")
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    await bob.send({"type": "rate", "rate": 1.5})
    assert (await alice.state(rate=1.5))["playing"] is False
    # The host takes control back; bob is refused from then on.
    await alice.send({"type": "settings", "control": "host", "buffer_wait_seconds": 2})
    await bob.state(control="host")
    await bob.send({"type": "play"})
    assert (await bob.next("error"))["code"] == "host_only"
    await bob.send({"type": "end"})
    assert (await bob.next("error"))["code"] == "host_only"
    await alice.close()
    await bob.close()


async def test_buffering_member_holds_the_room_only_as_long_as_allowed(party: Party) -> None:
    room = await party.alice.create_room(party.movie, buffer_wait_seconds=0.5)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    bob_id = (await bob.next("welcome"))["member_id"]
    await alice.send({"type": "play"})
    playing = await bob.state(playing=True)
    await asyncio.sleep(max(0.0, (playing["at"] - server_now()) / 1000.0) + 1.6)
    await bob.send({"type": "status", "state": "watching", "position": position_now(playing)})
    await bob.send({"type": "status", "state": "buffering", "position": position_now(playing)})
    waiting = await alice.state(playing=False)
    assert waiting["waiting_for"] == [bob_id]
    # bob never recovers: after the wait the room plays on without him.
    resumed = await alice.state(playing=True, timeout=3)
    assert resumed["waiting_for"] == []
    assert resumed["position"] >= waiting["position"]
    # Still buffering, now behind: he is catching up and holds nobody again.
    seen = len(alice.seen)
    await bob.send({"type": "status", "state": "buffering", "position": 0.0})
    await asyncio.sleep(0.3)
    await alice.send({"type": "ping", "id": 2, "t0": 0.0})
    await alice.next("pong")
    assert not [m for m in alice.seen[seen:] if m["type"] == "state"]
    await alice.close()
    await bob.close()


async def test_a_new_member_never_makes_the_room_wait(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    await alice.send({"type": "play"})
    await alice.state(playing=True)
    await joined(party, room["id"])
    bob = await party.bob.ws(room["id"])
    welcome = await bob.next("welcome")
    assert welcome["room"]["playing"] is True  # the late joiner starts where the room is
    await bob.send({"type": "status", "state": "buffering", "position": 0.0})
    await bob.send({"type": "ping", "id": 1, "t0": 0.0})
    await bob.next("pong")
    await asyncio.sleep(0.2)
    assert all(m["room"]["playing"] for m in bob.seen if m["type"] == "state")
    await alice.close()
    await bob.close()


async def test_reconnect_gets_the_current_position(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    await alice.send({"type": "seek", "position": 300.0})
    await alice.state(position=300.0)
    await alice.send({"type": "play"})
    await alice.state(playing=True)
    await alice.close()
    again = await party.alice.ws(room["id"])
    welcome = await again.next("welcome")
    state = welcome["room"]
    assert state["playing"] is True
    assert 300.0 <= position_now(state) < 310.0
    await again.close()


async def test_chat_is_kept_verbatim_and_reactions_fan_out(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    bob_id = (await bob.next("welcome"))["member_id"]
    text = "<script>alert('hi')</script> & café 🎉"
    await bob.send({"type": "chat", "text": text})
    line = await alice.next("chat")
    assert line["text"] == text and line["member_id"] == bob_id and line["profile_name"] == "bob"
    await bob.send({"type": "reaction", "emoji": "🔥"})
    reaction = await alice.next("reaction")
    assert reaction["emoji"] == "🔥" and reaction["member_id"] == bob_id
    await bob.send({"type": "reaction", "emoji": "💩"})
    assert (await bob.next("error"))["code"] == "bad_field"
    # A later joiner gets the chat in its welcome, exactly as typed.
    late = await party.alice.ws(room["id"])
    assert [c["text"] for c in (await late.next("welcome"))["chat"]] == [text]
    # The Rooms page shows it escaped.
    page = await (await party.alice.client.get("/rooms")).text()
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; café 🎉" in page
    assert "<script>alert(" not in page
    for ws in (alice, bob, late):
        await ws.close()


async def test_chat_rate_limit(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    for i in range(6):
        await alice.send({"type": "chat", "text": f"line {i}"})
    error = await alice.next("error")
    assert error["code"] == "rate_limited"
    assert len([m for m in alice.seen if m["type"] == "chat"]) == 5
    await alice.close()


async def test_seeks_coalesce_to_the_last(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    for position in (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0):
        await alice.send({"type": "seek", "position": position})
    final = await alice.state(position=120.0)
    states = [m for m in alice.seen if m["type"] == "state"]
    assert len(states) <= 2  # the first at once, the rest as one
    assert not [m for m in alice.seen if m["type"] == "error"]
    assert final["seq"] == states[0]["room"]["seq"] + len(states) - 1
    await alice.close()


async def test_host_mutes_removes_and_hands_over(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    alice_id = (await alice.next("welcome"))["member_id"]
    bob_id = (await bob.next("welcome"))["member_id"]
    await alice.send({"type": "mute", "member_id": bob_id, "muted": True})
    while True:  # skip the member lists sent as people connected
        members = (await bob.next("members"))["members"]
        if [m["muted"] for m in members if m["id"] == bob_id] == [True]:
            break
    await bob.send({"type": "chat", "text": "hello"})
    assert (await bob.next("error"))["code"] == "muted"
    await alice.send({"type": "host", "member_id": bob_id})
    handed = await bob.state(host_member_id=bob_id)
    assert handed["host_member_id"] == bob_id
    await alice.send({"type": "play"})
    assert (await alice.next("error"))["code"] == "host_only"
    await bob.send({"type": "remove", "member_id": alice_id})
    await alice.next("removed")
    assert await alice.closed() == 4403
    again = await party.alice.ws(room["id"])
    assert await again.closed() == 4403
    resp = await party.alice.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 403
    await bob.close()


async def test_ending_tells_everyone_and_closes(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    await alice.send({"type": "end"})
    ended = await bob.next("ended")
    assert ended["by"] == "admin"
    assert await bob.closed() == 4404
    assert await alice.closed() == 4404
    again = await party.bob.ws(room["id"])
    assert await again.closed() == 4404
    assert (await (await party.bob.client.get("/api/v1/rooms")).json())["rooms"] == []


async def test_next_episode_moves_everyone(party: Party) -> None:
    first, second = party.episodes[(1, 1)], party.episodes[(1, 2)]
    room = await party.alice.create_room(first)
    assert room["title_name"] == "Show S1E1 · Episode 1x1 of Show"
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    await alice.send({"type": "next"})
    moved = await alice.state(media_file_id=second)
    assert moved["position"] == 0.0 and moved["title_name"].startswith("Show S1E2")
    await alice.send({"type": "next"})
    assert (await alice.next("error"))["code"] == "no_next_episode"
    await alice.close()


async def test_goto_refused_when_a_member_may_not_watch(party: Party) -> None:
    room = await party.alice.create_room(party.cartoon)
    await joined(party, room["id"])
    await pick_profile(party.bob.client, party.bob_kids_id)
    await joined(party, room["id"])
    alice, kid = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await kid.next("welcome")
    await alice.send({"type": "goto", "media_file_id": party.movie})
    assert (await alice.next("error"))["code"] == "not_allowed"
    await alice.close()
    await kid.close()


async def test_kids_profile_socket_refused_for_adult_room(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    await pick_profile(party.bob.client, party.bob_kids_id)
    ws = await party.bob.ws(room["id"])
    assert await ws.closed() == 4403


async def test_foreign_origin_is_refused_before_upgrade(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    resp = await party.alice.client.get(
        f"/api/v1/rooms/{room['id']}/ws",
        headers={
            "Origin": "https://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert resp.status == 403
    own = str(party.alice.client.make_url("/")).rstrip("/")
    ws = await party.alice.ws(room["id"], origin=own)
    await ws.next("welcome")
    await ws.close()


async def test_oversized_message_closes_with_1009(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    ws = await party.alice.ws(room["id"])
    await ws.next("welcome")
    await ws.send({"type": "chat", "text": "x" * 5000})
    assert await ws.closed() == 1009


async def test_flood_closes_with_1008(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    ws = await party.alice.ws(room["id"])
    await ws.next("welcome")
    for _ in range(200):
        await ws.send({"type": "play"})
    assert await ws.closed() == 1008
    assert any(m.get("code") == "rate_limited" for m in ws.seen)


async def test_api_key_client_joins_with_its_profile(party: Party) -> None:
    """A non-browser client: an API key naming the profile, no cookies, no Origin."""
    resp = await party.alice.api("POST", "/api/v1/api-keys", {"name": "tv", "user_id": 1})
    assert resp.status == 201, await resp.text()
    key = (await resp.json())["key"]
    room = await party.alice.create_room(party.movie)
    other = await party.other_browser()
    try:
        headers = {"Authorization": f"Bearer {key}", "X-Profile-Id": str(party.alice.profile_id)}
        ws = await other.ws_connect(f"/api/v1/rooms/{room['id']}/ws", headers=headers)
        welcome = await Socket(ws).next("welcome")
        assert welcome["room"]["id"] == room["id"]
        await ws.close()
    finally:
        await other.close()


async def test_next_episode_while_playing_waits_for_the_reloaded_players(party: Party) -> None:
    first, second = party.episodes[(1, 1)], party.episodes[(1, 2)]
    room = await party.alice.create_room(first)
    alice = await party.alice.ws(room["id"])
    alice_id = (await alice.next("welcome"))["member_id"]
    await alice.send({"type": "play"})
    await alice.state(playing=True)
    await alice.send({"type": "next"})
    moved = await alice.state(media_file_id=second)
    assert moved["playing"] is False and moved["waiting_for"] == [alice_id]
    # The old page's report does not count; the player reloaded for the new file does.
    await alice.send({"type": "status", "state": "paused", "position": 42.0})
    await alice.close()
    reloaded = await party.alice.ws(room["id"])
    welcome = await reloaded.next("welcome")
    assert welcome["room"]["waiting_for"] == [alice_id]
    await reloaded.send({"type": "status", "state": "paused", "position": 0.0})
    resumed = await reloaded.state(playing=True)
    assert resumed["media_file_id"] == second and resumed["waiting_for"] == []
    assert resumed["position"] == 0.0
    await reloaded.close()
