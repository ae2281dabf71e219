"""Starting, listing, joining and inviting to rooms over HTTP, each member under their own
profile's rights."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.db.watchparty_schema import room_invites
from mediaserver.keys import db_key
from tests.helpers import pick_profile
from tests.watchparty.conftest import Party, joined


async def test_start_form_opens_the_player_with_the_room(party: Party) -> None:
    resp = await party.alice.client.post(
        "/rooms",
        data={"csrf_token": party.alice.csrf, "media_file_id": party.movie, "control": "everyone"},
        allow_redirects=False,
    )
    assert resp.status == 303
    location = resp.headers["Location"]
    assert location.startswith(f"/watch/{party.movie}?room=")
    room_id = location.split("room=")[1]
    assert len(room_id) == 12
    rooms = (await (await party.alice.client.get("/api/v1/rooms")).json())["rooms"]
    assert [(r["id"], r["control"], r["is_host"], r["title_name"]) for r in rooms] == [
        (room_id, "everyone", True, "Heat")
    ]


async def test_start_needs_csrf_and_a_watchable_file(party: Party) -> None:
    resp = await party.alice.client.post(
        "/rooms", data={"media_file_id": party.movie}, allow_redirects=False
    )
    assert resp.status == 403
    resp = await party.alice.api("POST", "/api/v1/rooms", {"media_file_id": 999999})
    assert resp.status == 404
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.api("POST", "/api/v1/rooms", {"media_file_id": party.movie})
    assert resp.status == 404  # the kids profile may not watch an R title


async def test_rooms_per_user_are_capped(party: Party) -> None:
    for _ in range(3):
        await party.alice.create_room(party.cartoon)
    resp = await party.alice.api("POST", "/api/v1/rooms", {"media_file_id": party.cartoon})
    assert resp.status == 409
    assert "3 open rooms" in (await resp.json())["detail"]


async def test_uninvited_user_cannot_open_a_room(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    resp = await party.bob.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 404
    assert (await (await party.bob.client.get("/api/v1/rooms")).json())["rooms"] == []


async def test_invite_link_joins_and_lists_the_room(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    invite = await party.alice.invite(room["id"])
    assert invite["url"] == f"/rooms/join/{invite['token']}"
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/watch/{party.movie}?room={room['id']}"
    rooms = (await (await party.bob.client.get("/api/v1/rooms")).json())["rooms"]
    assert [(r["id"], r["is_member"], r["is_host"]) for r in rooms] == [(room["id"], True, False)]
    # A member opens the room again by its own address.
    resp = await party.bob.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 303


async def test_kids_profile_cannot_join_an_adult_room(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    invite = await party.alice.invite(room["id"], single_use=True)
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 404
    resp = await party.bob.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 404
    # The refused attempt did not use up the single-use link: the grown-up profile gets in.
    await pick_profile(party.bob.client, party.bob.profile_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303


async def test_kids_profile_joins_a_room_within_its_cap(party: Party) -> None:
    room = await party.alice.create_room(party.cartoon)
    invite = await party.alice.invite(room["id"])
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303


async def test_single_use_link_lets_one_profile_in(party: Party) -> None:
    room = await party.alice.create_room(party.cartoon)
    invite = await party.alice.invite(room["id"], single_use=True)
    assert invite["single_use"] is True
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303
    # Using it again as the same member is harmless; another profile is refused.
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 303
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 404
    assert "already used" in await resp.text()


async def test_revoked_link_stops_working(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    invite = await party.alice.invite(room["id"])
    resp = await party.bob.api("DELETE", f"/api/v1/rooms/{room['id']}/invites/{invite['token']}")
    assert resp.status == 403  # only the host revokes
    resp = await party.alice.api(
        "DELETE", f"/api/v1/rooms/{room['id']}/invites/{invite['token']}"
    )
    assert resp.status == 204
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 404
    assert "revoked" in await resp.text()


async def test_expired_link_stops_working(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    invite = await party.alice.invite(room["id"], hours=1)
    async with party.alice.client.app[db_key].write() as conn:
        await conn.execute(sa.update(room_invites).values(expires_at=time.time() - 1))
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 404
    assert "expired" in await resp.text()


async def test_altered_link_is_refused(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    invite = await party.alice.invite(room["id"])
    token = invite["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    resp = await party.bob.client.get(f"/rooms/join/{forged}", allow_redirects=False)
    assert resp.status == 404
    assert "not valid" in await resp.text()


async def test_direct_invite_shows_on_rooms_page_and_joins(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    resp = await party.alice.api(
        "POST", f"/api/v1/rooms/{room['id']}/members", {"user_ids": [party.bob_id]}
    )
    assert resp.status == 200
    assert (await resp.json()) == {"invited": [party.bob_id]}
    rooms = (await (await party.bob.client.get("/api/v1/rooms")).json())["rooms"]
    assert [(r["id"], r["invited"], r["is_member"]) for r in rooms] == [(room["id"], True, False)]
    page = await (await party.bob.client.get("/rooms")).text()
    assert f'href="/rooms/{room["id"]}"' in page and "Invited" in page
    resp = await party.bob.client.get(f"/rooms/{room['id']}", allow_redirects=False)
    assert resp.status == 303


async def test_rooms_page_lists_links_and_revokes_them(party: Party) -> None:
    room = await party.alice.create_room(party.movie)
    resp = await party.alice.client.post(
        f"/rooms/{room['id']}/links",
        data={"csrf_token": party.alice.csrf, "hours": "2", "single_use": "1"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await party.alice.client.get("/rooms")).text()
    assert "/rooms/join/" in page and "Heat" in page
    token = page.split("/rooms/join/")[1].split('"')[0]
    resp = await party.alice.client.post(
        f"/rooms/{room['id']}/links/{token}/revoke",
        data={"csrf_token": party.alice.csrf},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await party.alice.client.get("/rooms")).text()
    assert "/rooms/join/" not in page
    resp = await party.bob.client.get(f"/rooms/join/{token}", allow_redirects=False)
    assert resp.status == 404


async def test_rooms_need_sign_in(party: Party) -> None:
    other = await party.other_browser()
    try:
        resp = await other.get("/api/v1/rooms")
        assert resp.status == 401
        resp = await other.get("/rooms", allow_redirects=False)
        assert resp.status == 303
    finally:
        await other.close()


async def test_member_cap(party: Party) -> None:
    party.alice.client.app  # noqa: B018 - settings are read at join time
    from mediaserver.keys import config_key

    party.alice.client.app[config_key].watchparty.max_members = 2
    room = await party.alice.create_room(party.cartoon)
    await joined(party, room["id"])
    invite = await party.alice.invite(room["id"])
    await pick_profile(party.bob.client, party.bob_kids_id)
    resp = await party.bob.client.get(invite["url"], allow_redirects=False)
    assert resp.status == 409
    assert "full" in await resp.text()
