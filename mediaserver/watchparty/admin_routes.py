"""Admin: the open watch-together rooms -- host, title, members, playing, age -- and End.

GET /admin/rooms (HTMX refreshes the rows every few seconds), POST /admin/rooms/{room_id}/end;
JSON: GET /api/v1/admin/rooms, POST /api/v1/admin/rooms/{room_id}/end. Ending a room sends
its connected members "ended" and closes their sockets (4404); the audit log records who did it.
"""

from __future__ import annotations

import re
import time

from aiohttp import web
from pydantic import Field

from mediaserver.accounts import get_identity
from mediaserver.db.audit import audit_request
from mediaserver.errors import NotFound
from mediaserver.http.api import ApiModel, api, json_model
from mediaserver.http.auth import access
from mediaserver.http.templating import is_htmx, render
from mediaserver.watchparty.records import RoomSummary
from mediaserver.watchparty.service import end_room, list_open_rooms

routes = web.RouteTableDef()

# secrets.token_urlsafe(9): anything else cannot be a room.
_ROOM_ID = re.compile(r"[A-Za-z0-9_-]{12}")
ENDED = "The room was ended; its members were told and disconnected."


class AdminRoomOut(ApiModel):
    id: str
    host: str = Field(description="The host's user name.")
    title: str
    media_file_id: int
    members_connected: int
    members_total: int
    playing: bool
    created_at: float = Field(description="Unix time.")
    age_seconds: float

    @classmethod
    def of(cls, room: RoomSummary, now: float) -> AdminRoomOut:
        return cls(
            id=room.id,
            host=room.host_name,
            title=room.title_name,
            media_file_id=room.media_file_id,
            members_connected=room.members_connected,
            members_total=room.members_total,
            playing=room.playing,
            created_at=room.created_at,
            age_seconds=max(0.0, now - room.created_at),
        )


class AdminRoomsOut(ApiModel):
    rooms: list[AdminRoomOut]


class RoomEndedOut(ApiModel):
    room_id: str
    ended: bool


async def _end(request: web.Request) -> str:
    """End the room named in the path as the signed-in admin, and record it."""
    room_id = request.match_info["room_id"]
    user = get_identity(request).user
    assert user is not None  # guaranteed by access("admin")
    found = None
    if _ROOM_ID.fullmatch(room_id):
        found = next((r for r in await list_open_rooms(request.app) if r.id == room_id), None)
    if found is None or not await end_room(request.app, room_id, user.username):
        raise NotFound("No such room; it may have ended already.")
    detail = {"host": found.host_name, "title": found.title_name,
              "members_connected": found.members_connected}  # fmt: skip
    await audit_request(request, "room.end", f"room {room_id} {found.title_name}", detail)
    return room_id


async def _listing(request: web.Request) -> list[AdminRoomOut]:
    now = time.time()
    rooms = sorted(await list_open_rooms(request.app), key=lambda r: r.created_at, reverse=True)
    return [AdminRoomOut.of(room, now) for room in rooms]


async def _page(request: web.Request, notice: str | None = None) -> web.Response:
    context = {"rooms": await _listing(request), "notice": notice}
    return render(request, "watchparty/admin_rooms.html", context, block="room_rows")


@routes.get("/admin/rooms", name="admin_rooms")
@access("admin")
async def rooms_page(request: web.Request) -> web.Response:
    return await _page(request, ENDED if request.query.get("done") == "ended" else None)


@routes.post("/admin/rooms/{room_id}/end", name="admin_room_end")
@access("admin")
async def end_room_form(request: web.Request) -> web.StreamResponse:
    await _end(request)
    if is_htmx(request):
        return await _page(request)
    raise web.HTTPSeeOther("/admin/rooms?done=ended")


@routes.get("/api/v1/admin/rooms", name="api_admin_rooms")
@access("admin")
@api(response=AdminRoomsOut)
async def api_rooms(request: web.Request) -> web.Response:
    """The open watch-together rooms, newest first."""
    return json_model(AdminRoomsOut(rooms=await _listing(request)))


@routes.post("/api/v1/admin/rooms/{room_id}/end", name="api_admin_room_end")
@access("admin")
@api(response=RoomEndedOut)
async def api_end_room(request: web.Request) -> web.Response:
    """End a room: its members are told and disconnected, and it cannot be joined again."""
    return json_model(RoomEndedOut(room_id=await _end(request), ended=True))
