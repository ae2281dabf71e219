"""Watch together: rooms whose members' players play the same title at the same moment, kept in
step against the server's clock over a WebSocket, with chat and reactions.

Other domains read the open rooms with `list_open_rooms` (`RoomSummary` records), end one with
`end_room` (its members are told and their sockets closed) and count the room WebSockets with
`websocket_count`. `setup(app)` registers the live rooms and their sweep, the room pages, the
JSON API and the WebSocket.
"""

from aiohttp import web

from mediaserver.watchparty.admin_routes import routes as admin_routes
from mediaserver.watchparty.records import RoomSummary
from mediaserver.watchparty.registry import close_on_shutdown, rooms_ctx
from mediaserver.watchparty.routes import routes as room_routes
from mediaserver.watchparty.service import end_room, list_open_rooms, websocket_count
from mediaserver.watchparty.ws_routes import routes as ws_routes

__all__ = ["RoomSummary", "end_room", "list_open_rooms", "setup", "websocket_count"]


def setup(app: web.Application) -> None:
    """Room pages, the room WebSocket and the admin rooms page."""
    app.cleanup_ctx.append(rooms_ctx)
    app.on_shutdown.append(close_on_shutdown)
    app.router.add_routes([*ws_routes, *room_routes, *admin_routes])
