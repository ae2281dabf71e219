"""Admins see the open watch-together rooms and can end one for everyone in it; nobody else
can, and every end is in the audit log."""

from __future__ import annotations

from mediaserver.db.audit import list_audit
from mediaserver.keys import db_key
from tests.helpers import pick_profile
from tests.watchparty.conftest import Party, joined

HOSTILE = '<img src=x onerror=alert(1)> & "Heist"'


async def test_admin_sees_a_room_and_ending_it_closes_every_member(party: Party) -> None:
    _, file_id = await party.cat.movie(HOSTILE, rating="PG")
    room = await party.alice.create_room(file_id)
    await joined(party, room["id"])
    alice, bob = await party.alice.ws(room["id"]), await party.bob.ws(room["id"])
    await alice.next("welcome")
    await bob.next("welcome")
    await alice.send({"type": "play"})
    await bob.state(playing=True)
    other = await party.alice.create_room(party.movie)  # nobody connected

    client = party.alice.client
    page = await (await client.get("/admin/rooms")).text()
    assert f'id="room-{room["id"]}"' in page and f'id="room-{other["id"]}"' in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "2 connected" in page and "Playing" in page and "Heat" in page
    assert '<a href="/admin/rooms" aria-current="page">Rooms</a>' in page

    listing = (await (await client.get("/api/v1/admin/rooms")).json())["rooms"]
    assert [r["id"] for r in listing] == [other["id"], room["id"]]  # newest first
    entry = listing[1]
    assert entry["host"] == "admin" and entry["title"] == HOSTILE
    assert entry["members_connected"] == 2 and entry["members_total"] == 2
    assert entry["playing"] is True and entry["media_file_id"] == file_id
    assert entry["age_seconds"] >= 0

    # The End button (HTMX): the rows come back without the room.
    resp = await client.post(
        f"/admin/rooms/{room['id']}/end",
        headers={"X-CSRF-Token": party.alice.csrf, "HX-Request": "true"},
    )
    assert resp.status == 200
    rows = await resp.text()
    assert f"room-{room['id']}" not in rows and f"room-{other['id']}" in rows
    assert "<html" not in rows  # only the rows
    for name, socket in (("alice", alice), ("bob", bob)):
        assert await socket.closed() == 4404, (name, socket.seen[-3:])
        assert [m for m in socket.seen if m["type"] == "ended"]
    # The room is gone for good: no socket, no room link, not in the listing.
    again = await party.bob.ws(room["id"])
    assert await again.closed() == 4404
    resp = await party.bob.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 404
    listing = (await (await client.get("/api/v1/admin/rooms")).json())["rooms"]
    assert [r["id"] for r in listing] == [other["id"]]

    (audit,) = await list_audit(client.app[db_key], action="room.end")
    assert audit.actor_name == "admin" and room["id"] in audit.target
    assert audit.detail["host"] == "admin" and audit.detail["title"] == HOSTILE
    assert audit.detail["members_connected"] == 2


async def test_form_end_without_htmx_redirects_with_a_notice(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    client = party.alice.client
    resp = await client.post(
        f"/admin/rooms/{room['id']}/end",
        data={"csrf_token": party.alice.csrf},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/admin/rooms?done=ended"
    page = await (await client.get("/admin/rooms?done=ended")).text()
    assert "The room was ended" in page and "No rooms are open right now." in page


async def test_json_end_and_rooms_that_are_not_open(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    resp = await party.alice.api("POST", f"/api/v1/admin/rooms/{room['id']}/end")
    assert resp.status == 200
    assert await resp.json() == {"room_id": room["id"], "ended": True}
    # Ended already, made up, or not even shaped like a room id: 404 and nothing recorded.
    for room_id in (room["id"], "AAAAAAAAAAAA", "..%2F..%2Fx", "a" * 60):
        resp = await party.alice.api("POST", f"/api/v1/admin/rooms/{room_id}/end")
        assert resp.status == 404, room_id
        assert "No such room" in (await resp.json())["detail"]
    assert len(await list_audit(party.alice.client.app[db_key], action="room.end")) == 1


async def test_non_admins_cannot_see_or_end_rooms(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    await joined(party, room["id"])
    alice = await party.alice.ws(room["id"])
    await alice.next("welcome")
    bob = party.bob
    for path in ("/admin/rooms", "/api/v1/admin/rooms"):
        assert (await bob.client.get(path, allow_redirects=False)).status == 403, path
    for path in (f"/admin/rooms/{room['id']}/end", f"/api/v1/admin/rooms/{room['id']}/end"):
        resp = await bob.api("POST", path)
        assert resp.status == 403, path
    # A kids profile does not even learn the admin area exists.
    await pick_profile(bob.client, party.bob_kids_id)
    assert (await bob.client.get("/admin/rooms", allow_redirects=False)).status == 404
    # The room is untouched: alice is still in it and nothing was recorded.
    await alice.send({"type": "ping", "id": 1, "t0": 0.0})
    await alice.next("pong")
    assert not [m for m in alice.seen if m["type"] == "ended"]
    assert await list_audit(party.alice.client.app[db_key], action="room.end") == []
    await alice.close()


async def test_ending_needs_the_csrf_token(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    client = party.alice.client
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        resp = await client.post(f"/api/v1/admin/rooms/{room['id']}/end", headers=headers)
        assert resp.status == 403
    resp = await client.post(f"/admin/rooms/{room['id']}/end", data={"csrf_token": "forged"})
    assert resp.status == 403
    listing = (await (await client.get("/api/v1/admin/rooms")).json())["rooms"]
    assert [r["id"] for r in listing] == [room["id"]]
