"""The room WebSocket: GET /api/v1/rooms/{room_id}/ws."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.errors import Forbidden
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.clientinfo import is_https
from mediaserver.keys import config_key, db_key
from mediaserver.watchparty import store
from mediaserver.watchparty.registry import rooms_of
from mediaserver.watchparty.rights_watch import grant_access
from mediaserver.watchparty.session import ENDED, REMOVED, serve

routes = web.RouteTableDef()
MAX_MESSAGE_BYTES = 4096
HEARTBEAT_SECONDS = 15.0


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(request: web.Request) -> set[str]:
    """The server's own origin: as this request reached it, and the configured public URL."""
    scheme = "https" if is_https(request) else "http"
    found = {f"{scheme}://{request.host}".lower()}
    public = request.app[config_key].server.public_url
    if public:
        found.add(_origin(public))
    return found


@routes.get("/api/v1/rooms/{room_id}/ws", name="api_room_ws")
@access("profile")
@api(
    response=None,
    status=101,
    other_responses={403: "The Origin header names another site."},
)
async def room_ws(request: web.Request) -> web.WebSocketResponse:
    """The room's live channel: a WebSocket of JSON messages (docs/watchparty.md).

    Closes with 4404 when the room ended or does not exist, 4403 when this profile is not a
    member (or may not watch its title), 1008 for a flood, 1009 for a message over 4 KiB.
    """
    origin = request.headers.get("Origin")
    # A page of another site may open a WebSocket with this browser's cookies: refuse it.
    if origin is not None and origin.lower() not in allowed_origins(request):
        raise Forbidden("This WebSocket may only be opened from this server's own pages.")
    profile = request_profile(request)
    # No permessage-deflate: messages are a few hundred bytes, and a zlib context per socket
    # costs ~120 KiB of memory and a compression pass per member on every fan-out.
    ws = web.WebSocketResponse(
        max_msg_size=MAX_MESSAGE_BYTES, heartbeat=HEARTBEAT_SECONDS, compress=False
    )
    await ws.prepare(request)
    room_id = request.match_info["room_id"][:16]
    room = await rooms_of(request.app).get(room_id)
    if room is None or room.ended:
        await ws.close(code=ENDED, message=b"room ended or not found")
        return ws
    db = request.app[db_key]
    member = await store.find_member(db, room_id, profile.id)
    grant = None
    if member is not None and not member.removed:
        grant = await grant_access(request.app, profile, room.record.media_file_id)
    if member is None or grant is None:
        await ws.close(code=REMOVED, message=b"not a member of this room")
        return ws
    await serve(request.app, ws, room, member, profile, grant)
    return ws
