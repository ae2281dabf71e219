"""Room pages and the rooms JSON API: start a room, list mine, join (directly or by a link),
invite by link or by user, revoke a link. The room page itself is the player page with
?room=<id>; the room's live channel is in ws_routes.py."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import get_identity, list_users, request_profile
from mediaserver.errors import BadRequest
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.clientinfo import is_https
from mediaserver.http.forms import bool_field, read_input, read_json
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key
from mediaserver.watchparty import membership
from mediaserver.watchparty.api_models import (
    CreateRoomBody,
    InviteBody,
    InviteEnvelope,
    InviteOut,
    MembersBody,
    MembersOut,
    RoomEnvelope,
    RoomListOut,
    RoomOut,
)
from mediaserver.watchparty.listing import my_rooms
from mediaserver.watchparty.records import MyRoom

routes = web.RouteTableDef()


def caller_of(request: web.Request) -> membership.Caller:
    user = get_identity(request).user
    assert user is not None  # access("profile") let only signed-in callers through
    return membership.Caller(user.id, user.username, request_profile(request))


def own_origin(request: web.Request) -> str:
    """Where invite links point: the public URL when configured, else this request's host."""
    public = request.app[config_key].server.public_url.rstrip("/")
    return public or f"{'https' if is_https(request) else 'http'}://{request.host}"


def room_url(room_id: str, media_file_id: int) -> str:
    return f"/watch/{media_file_id}?room={room_id}"


def room_out(mine: MyRoom) -> RoomOut:
    r, s = mine.room, mine.room.state
    return RoomOut(
        id=r.id, url=room_url(r.id, r.media_file_id), media_file_id=r.media_file_id,
        title_id=r.title_id, title_name=r.title_name, host_name=mine.host_name,
        control=r.control, buffer_wait_seconds=r.buffer_wait_seconds, playing=s.playing,
        position=s.position, at=s.at_ms, rate=s.rate, seq=s.seq, created_at=r.created_at,
        is_host=mine.is_host, is_member=mine.is_member, invited=mine.invited,
    )


def _media_file_id(data: dict) -> int:
    raw = str(data.get("media_file_id", ""))
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadRequest("'media_file_id' must be the id of a media file.", field="media_file_id")
    return int(raw)


@routes.post("/rooms", name="room_start")
@access("profile")
async def start_room(request: web.Request) -> web.Response:
    """The "Watch together" form: start a room on a file and open it."""
    data = await read_input(request)
    control = "everyone" if data.get("control") == "everyone" else "host"
    room = await membership.create_room(
        request.app, caller_of(request), _media_file_id(data), control
    )
    raise web.HTTPSeeOther(room_url(room.id, room.media_file_id))


@routes.post("/api/v1/rooms", name="api_rooms_create")
@access("profile")
@api(body=CreateRoomBody, response=RoomEnvelope, status=201)
async def api_create_room(request: web.Request) -> web.Response:
    """Start a watch-together room on a media file this profile may watch."""
    body = parse_model(CreateRoomBody, await read_json(request))
    caller = caller_of(request)
    room = await membership.create_room(
        request.app, caller, body.media_file_id, body.control, body.buffer_wait_seconds
    )
    mine = MyRoom(room, caller.user_name, is_host=True, is_member=True, invited=False)
    return json_model(RoomEnvelope(room=room_out(mine)), status=201)


@routes.get("/api/v1/rooms", name="api_rooms")
@access("profile")
@api(response=RoomListOut)
async def api_rooms(request: web.Request) -> web.Response:
    """Open rooms I host, am a member of, or am invited to."""
    found = await my_rooms(request.app, caller_of(request))
    return json_model(RoomListOut(rooms=[room_out(m) for m in found]))


@routes.get("/rooms", name="rooms_page")
@access("profile")
async def rooms_page(request: web.Request) -> web.Response:
    caller = caller_of(request)
    found = await my_rooms(request.app, caller)
    users = []
    if any(m.is_host for m in found):
        users = [
            u for u in await list_users(request.app[db_key])
            if u.id != caller.user_id and not u.disabled
        ]
    return render(
        request,
        "watchparty/rooms.html",
        {
            "rooms": found,
            "users": users,
            "origin": own_origin(request),
            "invite_hours": request.app[config_key].watchparty.invite_hours,
        },
    )


@routes.get("/rooms/join/{token}", name="room_join_link")
@access("profile")
async def join_by_link(request: web.Request) -> web.Response:
    """An invite link: join the room as the current profile and open it."""
    room = await membership.join_by_link(
        request.app, request.match_info["token"][:100], caller_of(request)
    )
    raise web.HTTPSeeOther(room_url(room.id, room.record.media_file_id))


@routes.get("/rooms/{room_id}", name="room_open")
@access("profile")
async def open_room(request: web.Request) -> web.Response:
    """Open a room I am a member of or invited to (joining it as the current profile)."""
    room, _ = await membership.join(request.app, request.match_info["room_id"], caller_of(request))
    raise web.HTTPSeeOther(room_url(room.id, room.record.media_file_id))


@routes.post("/api/v1/rooms/{room_id}/invites", name="api_room_invite")
@access("profile")
@api(body=InviteBody, response=InviteEnvelope, status=201)
async def api_create_invite(request: web.Request) -> web.Response:
    """A new invite link to a room I host (signed, expiring, revocable, maybe single-use)."""
    body = parse_model(InviteBody, await read_json(request))
    invite, token = await membership.create_link(
        request.app, request.match_info["room_id"], caller_of(request), body.hours,
        body.single_use,
    )
    out = InviteOut(
        token=token, url=f"/rooms/join/{token}", expires_at=invite.expires_at,
        single_use=invite.single_use,
    )
    return json_model(InviteEnvelope(invite=out), status=201)


@routes.delete("/api/v1/rooms/{room_id}/invites/{token}", name="api_room_invite_revoke")
@access("profile")
@api(response=None, status=204)
async def api_revoke_invite(request: web.Request) -> web.Response:
    """Revoke an invite link of a room I host; it stops working at once."""
    await membership.revoke_link(
        request.app, request.match_info["room_id"], request.match_info["token"][:100],
        caller_of(request),
    )
    return web.Response(status=204)


@routes.post("/api/v1/rooms/{room_id}/members", name="api_room_members")
@access("profile")
@api(body=MembersBody, response=MembersOut)
async def api_invite_users(request: web.Request) -> web.Response:
    """Invite users of this server to a room I host; they find it on their Rooms page."""
    body = parse_model(MembersBody, await read_json(request))
    invited = await membership.invite_users(
        request.app, request.match_info["room_id"], caller_of(request), body.user_ids
    )
    return json_model(MembersOut(invited=invited))


# ----- the Rooms page's forms (browsers without JavaScript, too) -----


@routes.post("/rooms/{room_id}/links", name="room_link_form")
@access("profile")
async def create_link_form(request: web.Request) -> web.Response:
    data = await read_input(request)
    hours = str(data.get("hours") or "").strip()
    await membership.create_link(
        request.app, request.match_info["room_id"], caller_of(request),
        _hours(hours), bool_field(data, "single_use"),
    )
    raise web.HTTPSeeOther("/rooms")


def _hours(raw: str) -> float | None:
    if not raw:
        return None
    try:
        hours = float(raw)
    except ValueError:
        raise BadRequest("'hours' must be a number of hours.", field="hours") from None
    if not 0 < hours <= 24 * 30:
        raise BadRequest("'hours' must be between 0 and 720.", field="hours")
    return hours


@routes.post("/rooms/{room_id}/links/{token}/revoke", name="room_link_revoke_form")
@access("profile")
async def revoke_link_form(request: web.Request) -> web.Response:
    await membership.revoke_link(
        request.app, request.match_info["room_id"], request.match_info["token"][:100],
        caller_of(request),
    )
    raise web.HTTPSeeOther("/rooms")


@routes.post("/rooms/{room_id}/invite-user", name="room_invite_user_form")
@access("profile")
async def invite_user_form(request: web.Request) -> web.Response:
    data = await read_input(request)
    raw = str(data.get("user_id", ""))
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest("Pick a user to invite.", field="user_id")
    await membership.invite_users(
        request.app, request.match_info["room_id"], caller_of(request), [int(raw)]
    )
    raise web.HTTPSeeOther("/rooms")


@routes.post("/rooms/{room_id}/end", name="room_end_form")
@access("profile")
async def end_room_form(request: web.Request) -> web.Response:
    caller = caller_of(request)
    await membership.end_hosted(request.app, request.match_info["room_id"], caller)
    raise web.HTTPSeeOther("/rooms")
