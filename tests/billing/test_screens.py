"""Screens a plan allows, where they are easy to forget: a member's play in a watch-together
room is a screen like any other, and an admin can end any account's screen from the streams
list (button or API), which refuses that device's next media request and frees the slot."""

from __future__ import annotations

from tests.billing.test_entitlements import _alice_with_movie
from tests.helpers import api, csrf_from, pick_profile, sign_in
from tests.streaming.helpers import play
from tests.streaming.test_rights_revocation import SEG, until_refused
from tests.streaming.test_user_limits import status


async def _new_device(client, profile: int) -> None:
    """Alice signs in again: another browser, another screen."""
    await sign_in(client, "alice", "alice-password-1")
    await pick_profile(client, profile)


async def test_a_play_in_a_watch_together_room_counts_as_a_screen(bclient, place, media_dir):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)  # Free: one screen
    profile = await home.alice_profile()
    laptop = await play(bclient, file_id)
    # The admin starts a room on the film and invites Alice, who opens it on her TV.
    await home.as_admin()
    profiles = (await (await bclient.get("/api/v1/profiles")).json())["profiles"]
    await pick_profile(bclient, profiles[0]["id"])
    csrf = await csrf_from(bclient, "/profiles")
    made = await api(bclient, "POST", "/api/v1/rooms", {"media_file_id": file_id}, csrf=csrf)
    assert made.status == 201, await made.text()
    room = (await made.json())["room"]
    invite = await api(bclient, "POST", f"/api/v1/rooms/{room['id']}/invites", {}, csrf=csrf)
    link = (await invite.json())["invite"]["url"]
    await _new_device(bclient, profile)
    joined = await bclient.get(link, allow_redirects=False)
    assert joined.status in (302, 303) and f"room={room['id']}" in joined.headers["Location"]
    async with bclient.ws_connect(f"/api/v1/rooms/{room['id']}/ws") as socket:
        assert (await socket.receive_json())["type"] == "welcome"
        # The room's player asks to play like any player: the laptop holds the only screen.
        refused = await play(bclient, file_id, expect=403)
        assert "1 device at once" in refused["detail"]
        assert [s["play_id"] for s in refused["streams"]] == [laptop["play_id"]]
        # Alice stops the laptop from the list she is shown; the room plays.
        csrf = await csrf_from(bclient, "/profiles")
        path = f"/api/v1/my-streams/{laptop['play_id']}/stop"
        assert (await api(bclient, "POST", path, {}, csrf=csrf)).status == 200
        in_room = await play(bclient, file_id)
        assert await status(bclient, in_room["url"].removesuffix("master.m3u8") + SEG) == 200
        # Now the room's screen is the one counted: the laptop (a third browser) is refused.
        await _new_device(bclient, profile)
        again = await play(bclient, file_id, expect=403)
        assert [s["play_id"] for s in again["streams"]] == [in_room["play_id"]]


async def test_an_admin_ends_any_screen_and_its_next_request_is_refused(bclient, place, media_dir):
    home, file_id = await _alice_with_movie(bclient, place, media_dir)
    profile = await home.alice_profile()
    phone = await play(bclient, file_id)
    segment = phone["url"].removesuffix("master.m3u8") + SEG
    assert await status(bclient, segment) == 200
    # The admin's list shows Alice's screen with an End (Stop) button.
    await home.as_admin()
    page = await (await bclient.get("/admin/streams")).text()
    assert "alice" in page and f"/admin/streams/{phone['play_id']}/stop" in page
    listing = await (await bclient.get("/api/v1/admin/streams")).json()
    (entry,) = [s for s in listing["streams"] if s["play_id"] == phone["play_id"]]
    assert entry["user"] == "alice" and entry["user_id"] == home.alice_id
    csrf = await csrf_from(bclient, "/admin/streams")
    resp = await bclient.post(
        f"/admin/streams/{phone['play_id']}/stop",
        data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/admin/streams?done=stopped"
    listing = await (await bclient.get("/api/v1/admin/streams")).json()
    assert phone["play_id"] not in [s["play_id"] for s in listing["streams"]]
    # The phone's next media request is refused; the freed screen lets her tablet play.
    await home.as_alice()
    assert await until_refused(bclient, segment) == 403
    await _new_device(bclient, profile)
    tablet = await play(bclient, file_id)
    # The same through the API, for a screen of another account's device.
    csrf = await home.as_admin()
    path = f"/api/v1/admin/streams/{tablet['play_id']}/stop"
    assert (await api(bclient, "POST", path, {}, csrf=csrf)).status == 200
    await home.as_alice()
    tablet_segment = tablet["url"].removesuffix("master.m3u8") + SEG
    assert await until_refused(bclient, tablet_segment) == 403
