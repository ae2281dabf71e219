"""The room WebSocket under attack: cross-site hijacking with a victim's cookie, callers who are
not in the room, removed members, oversized and malformed messages, floods, hostile chat text,
the per-user and per-room caps, and sockets whose peer has silently gone."""

from __future__ import annotations

import asyncio
import importlib
import json
from dataclasses import replace

import pytest
from aiohttp import CookieJar, WSMsgType, WSServerHandshakeError
from aiohttp.test_utils import TestClient

from mediaserver.keys import config_key, db_key
from mediaserver.streaming.rights import rights_key
from mediaserver.watchparty import websocket_count
from mediaserver.watchparty.registry import rooms_key
from tests.helpers import create_user, csrf_from, pick_profile, sign_in
from tests.watchparty.conftest import Browser, Party, Socket, joined

CAROL = ("carol", "carol-password-1")


async def _carol(party: Party) -> tuple[TestClient, Browser]:
    """A third user, signed in in her own browser with her profile chosen; in no room yet."""
    await create_user(party.alice.client, *CAROL)
    client = TestClient(party.alice.client.server, cookie_jar=CookieJar(unsafe=True))
    await client.start_server()
    await sign_in(client, *CAROL)
    profile_id = (await (await client.get("/api/v1/profiles")).json())["profiles"][0]["id"]
    await pick_profile(client, profile_id)
    return client, Browser(client, await csrf_from(client, "/profiles"), profile_id)


async def _room_with_bob(party: Party, **extra: object) -> tuple[str, Socket, Socket]:
    """Alice's room with bob joined; both connected and welcomed."""
    room = await party.alice.create_room(party.movie, **extra)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    return room["id"], alice, bob


async def _first_frame(socket: Socket) -> tuple[list[dict], int | None]:
    """Everything the server sends before it closes: (text messages, close code)."""
    code = await socket.closed()
    return socket.seen, code


def _own_origin(client: TestClient) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def test_a_foreign_origin_is_refused_before_the_upgrade(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    own = _own_origin(party.bob.client)
    # The victim's browser holds a valid session; a page of another site opens the socket.
    for origin in ("https://evil.example", "null", f"{own}.evil.example", own + ":1"):
        with pytest.raises(WSServerHandshakeError) as refused:
            await party.bob.ws(room["id"], origin=origin)
        assert refused.value.status == 403, origin
    # The server's own pages (and non-browser clients, which send no Origin) get in.
    same = await party.bob.ws(room["id"], origin=own.upper())
    assert (await same.next("welcome"))["room"]["id"] == room["id"]
    await same.close()


async def test_no_credentials_or_a_bad_key_are_refused(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    stranger = TestClient(party.alice.client.server, cookie_jar=CookieJar(unsafe=True))
    await stranger.start_server()
    try:
        path = f"/api/v1/rooms/{room['id']}/ws"
        with pytest.raises(WSServerHandshakeError) as refused:
            await stranger.ws_connect(path)
        assert refused.value.status in (303, 401)
        with pytest.raises(WSServerHandshakeError) as refused:
            await stranger.ws_connect(path, headers={"Authorization": "Bearer msk_not-a-key"})
        assert refused.value.status == 401
        # A forged session cookie is no session.
        stranger.session.cookie_jar.update_cookies(
            {"ms_session": "forged"}, response_url=stranger.make_url("/")
        )
        with pytest.raises(WSServerHandshakeError):
            await stranger.ws_connect(path)
    finally:
        await stranger.close()


async def test_a_profile_outside_the_room_learns_nothing(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    carol_client, carol = await _carol(party)
    try:
        # Signed in, allowed to watch the title, but neither member nor invited.
        seen, code = await _first_frame(await carol.ws(room["id"]))
        assert code == 4403 and seen == []
        # Invited directly, she may join; but not by guessing her way to the socket first.
        await party.alice.api("POST", f"/api/v1/rooms/{room['id']}/members",
                              {"user_ids": [(await _user_id(carol))]})  # fmt: skip
        resp = await carol_client.get(f"/rooms/{room['id']}", allow_redirects=False)
        assert resp.status == 303
        joined_socket = await carol.ws(room["id"])
        assert (await joined_socket.next("welcome"))["room"]["id"] == room["id"]
        await joined_socket.close()
        # A room that does not exist (or a made-up id) is "ended or not found".
        for bogus in ("AAAAAAAAAAAA", "x" * 40):
            seen, code = await _first_frame(await carol.ws(bogus))
            assert code == 4404 and seen == []
    finally:
        await carol_client.close()


async def _user_id(browser: Browser) -> int:
    return int((await (await browser.client.get("/api/v1/me")).json())["user"]["id"])


async def test_a_kids_profile_of_a_member_account_is_refused(party: Party) -> None:
    room = await party.alice.create_room(party.movie)  # rated R
    await joined(party, room["id"])
    await pick_profile(party.bob.client, party.bob_kids_id)
    seen, code = await _first_frame(await party.bob.ws(room["id"]))
    assert code == 4403 and seen == []


async def test_a_removed_member_is_closed_and_stays_out(party: Party) -> None:
    room_id, alice, bob = await _room_with_bob(party)
    bob_id = next(m["id"] for m in (await alice.next("members"))["members"]
                  if m["profile_name"] != "admin")  # fmt: skip
    await alice.send({"type": "remove", "member_id": bob_id})
    assert await bob.closed() == 4403
    assert any(m["type"] == "removed" for m in bob.seen)
    # He cannot come back by the socket, by the room link, or by a new invite link.
    seen, code = await _first_frame(await party.bob.ws(room_id))
    assert code == 4403 and seen == []
    assert (await party.bob.client.get(f"/rooms/{room_id}", allow_redirects=False)).status == 403
    invite = await party.alice.invite(room_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status in (403, 404)
    await alice.close()


async def test_membership_is_checked_on_every_message(party: Party) -> None:
    """A removal that reached the room without closing the socket (a lost close, another
    instance) still stops the member's very next message."""
    room_id, alice, bob = await _room_with_bob(party)
    live = party.alice.client.app[rooms_key].live[room_id]
    member = next(m for m in live.members.values() if m.record.profile_id == party.bob.profile_id)
    live.set_member(replace(member.record, removed=True))
    before = len(bob.seen)
    await bob.send({"type": "chat", "text": "still here?"})
    assert await bob.closed() == 4403
    after = [m["type"] for m in bob.seen[before:]]
    assert after[-1] == "removed" and "chat" not in after
    assert not [m for m in alice.seen if m["type"] == "chat"]
    await alice.close()


async def test_a_member_whose_rights_shrink_is_sent_back_to_the_handshake(party: Party) -> None:
    """Capping bob's profile below the room's title (rated R) while his socket is open ends his
    access at his next message, as it ends his media URLs; the new handshake then refuses him."""
    room_id, alice, bob = await _room_with_bob(party)
    resp = await party.bob.api(
        "PATCH", f"/api/v1/profiles/{party.bob.profile_id}", {"max_rating": "PG"}
    )
    assert resp.status == 200, await resp.text()
    app = party.alice.client.app
    await app[rights_key].refresh(app[db_key])  # what the 2 s refresher would have done
    await bob.send({"type": "chat", "text": "can I still watch?"})
    assert await bob.closed() == 4401
    assert not [m for m in alice.seen if m["type"] == "chat"]
    seen, code = await _first_frame(await party.bob.ws(room_id))
    assert code == 4403 and seen == []
    # A member whose rights did not change keeps talking.
    await alice.send({"type": "chat", "text": "still here"})
    assert (await alice.next("chat"))["text"] == "still here"
    await alice.close()


async def test_a_message_over_4_kib_closes_with_1009(party: Party) -> None:
    _room_id, alice, bob = await _room_with_bob(party)
    await bob.send({"type": "chat", "text": "é" * 2100})  # 4,200+ bytes of UTF-8
    assert await bob.closed() == 1009
    # Nothing of it reached the room, and the others carry on.
    await alice.send({"type": "ping", "id": 1, "t0": 0.0})
    await alice.next("pong")
    assert not [m for m in alice.seen if m["type"] == "chat"]
    await alice.close()


async def test_a_flood_closes_with_1008_and_the_room_stays_whole(party: Party) -> None:
    room_id, alice, bob = await _room_with_bob(party, control="everyone")
    kinds = [{"type": "play"}, {"type": "pause"}, {"type": "seek", "position": 42.0},
             {"type": "chat", "text": "spam"}, {"type": "reaction", "emoji": "🔥"}]  # fmt: skip
    for i in range(500):
        await bob.ws.send_str(json.dumps(kinds[i % len(kinds)]))
    assert await bob.closed(timeout=10) == 1008
    await asyncio.sleep(0.3)  # a seek the flood left pending (coalesced) lands meanwhile
    # Alice is still connected; the flood reached her only as far as the limits let it.
    await alice.send({"type": "pause"})
    await alice.send({"type": "ping", "id": 1, "t0": 0.0})
    await alice.next("pong")
    states = [m["room"] for m in alice.seen if m["type"] == "state"]
    final = states[-1]
    assert final["playing"] is False
    assert len(states) < 40, len(states)
    assert len([m for m in alice.seen if m["type"] == "chat"]) <= 6
    seqs = [s["seq"] for s in states]
    assert seqs == sorted(set(seqs))
    # The room's state is one consistent thing: a fresh connection is welcomed with it.
    again = await party.bob.ws(room_id)
    welcome = (await again.next("welcome"))["room"]
    assert {k: welcome[k] for k in ("seq", "playing", "position", "at", "rate")} == {
        k: final[k] for k in ("seq", "playing", "position", "at", "rate")
    }
    await again.close()
    await alice.close()


async def test_malformed_messages_get_an_error_and_the_socket_lives(party: Party) -> None:
    _room_id, _alice, bob = await _room_with_bob(party)
    cases = [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ("null", "bad_message"),
        ('{"type": 5}', "bad_message"),
        ('{"no": "type"}', "bad_message"),
        ('{"type": "__proto__"}', "unknown_type"),
        ('{"type": "seek", "position": "abc"}', "bad_field"),
        ('{"type": "seek", "position": -1}', "bad_field"),
        ('{"type": "seek", "position": Infinity}', "bad_field"),
        ('{"type": "seek", "position": NaN}', "bad_field"),
        ('{"type": "seek"}', "bad_field"),
        ('{"type": "rate", "rate": [1]}', "bad_field"),
        ('{"type": "chat", "text": ["a"]}', "bad_field"),
        ('{"type": "chat", "text": ""}', "bad_field"),
        ('{"type": "reaction", "emoji": "💩"}', "bad_field"),
        ('{"type": "status", "state": "hacking", "position": 1}', "bad_field"),
        ('{"type": "ping", "id": 18446744073709551616, "t0": 1}', "bad_field"),
    ]
    for text, code in cases:
        await bob.ws.send_str(text)
        error = await bob.next("error")
        assert error["code"] == code, (text, error)
        assert error["message"]
    await bob.ws.send_bytes(b"\x00\x01binary")
    assert (await bob.next("error"))["code"] == "bad_message"
    await bob.send({"type": "ping", "id": 9, "t0": 1.0})
    assert (await bob.next("pong"))["id"] == 9
    await bob.close()


async def test_hostile_chat_is_plain_text_without_invisible_tricks(party: Party) -> None:
    room_id, alice, bob = await _room_with_bob(party)
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await bob.send({"type": "chat", "text": script})
    line = await alice.next("chat")
    assert line["text"] == script  # data, not markup: the panel inserts it as text
    # Bidi overrides cannot reorder what follows them, zero-width characters cannot hide
    # text or pad a message out, and emoji joiners survive.
    tricky = "invoice\u202egpj.exe\u2066 ok\u200b\u200b\ufeff 👩\u200d💻"
    await bob.send({"type": "chat", "text": tricky})
    line = await alice.next("chat")
    assert line["text"] == "invoicegpj.exe ok 👩\u200d💻"
    for invisible in ("\u200b" * 400, "\u202e\u2066\u2069", " \u200b\ufeff\u2060 "):
        await bob.send({"type": "chat", "text": invisible})
        assert (await bob.next("error"))["code"] == "bad_field"
    # Stored as sent: a newcomer's welcome carries the same text.
    await bob.close()
    again = await party.bob.ws(room_id)
    history = [c["text"] for c in (await again.next("welcome"))["chat"]]
    assert history == [script, "invoicegpj.exe ok 👩\u200d💻"]
    # And no page the server renders carries it as markup.
    for page in ("/rooms", f"/watch/{party.movie}?room={room_id}"):
        body = await (await party.bob.client.get(page)).text()
        assert "<script>alert(" not in body and "onerror=alert" not in body
    await again.close()
    await alice.close()


async def test_rooms_per_user_and_members_per_room_are_capped(party: Party) -> None:
    settings = party.alice.client.app[config_key].watchparty
    settings.max_rooms_per_user, settings.max_members = 2, 2
    first = await party.alice.create_room(party.movie)
    await party.alice.create_room(party.cartoon)
    resp = await party.alice.api("POST", "/api/v1/rooms", {"media_file_id": party.movie})
    assert resp.status == 409
    assert "2 open rooms" in (await resp.json())["detail"]
    # Ending one makes room for another.
    resp = await party.alice.client.post(
        f"/rooms/{first['id']}/end", data={"csrf_token": party.alice.csrf}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    second = await party.alice.create_room(party.movie)
    # Alice and bob fill the room; carol is told it is full, and the room stays as it was.
    await joined(party, second["id"])
    carol_client, _carol_browser = await _carol(party)
    try:
        invite = await party.alice.invite(second["id"])
        resp = await carol_client.get(
            invite["url"], allow_redirects=False, headers={"Accept": "application/json"}
        )
        assert resp.status == 409
        assert "full (2 members)" in (await resp.json())["detail"]
    finally:
        await carol_client.close()


async def test_a_half_open_socket_is_reaped_by_the_heartbeat(
    party: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    await alice.next("members")  # her own arrival
    app = party.alice.client.app
    # Bob's socket gets a short heartbeat; his client then goes silent: no pongs, no reads.
    ws_routes = importlib.import_module("mediaserver.watchparty.ws_routes")
    monkeypatch.setattr(ws_routes, "HEARTBEAT_SECONDS", 1.5)
    ghost = await party.bob.client.ws_connect(f"/api/v1/rooms/{room['id']}/ws", autoping=False)
    monkeypatch.undo()

    def bob_state(message: dict) -> str:
        return next(m["state"] for m in message["members"] if m["profile_name"] != "admin")

    # The list published when he attached shows him; then the heartbeat finds him gone.
    assert bob_state(await alice.next("members")) != "disconnected"
    async with asyncio.timeout(10):
        while bob_state(await alice.next("members")) != "disconnected":
            pass
    assert websocket_count(app) == 1
    # The reaped socket really is closed from the server's side.
    msg = await ghost.receive(timeout=5)
    while msg.type in (WSMsgType.PING, WSMsgType.TEXT):
        msg = await ghost.receive(timeout=5)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR)
    await ghost.close()
    await alice.close()
