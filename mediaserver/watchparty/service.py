"""What other domains read of the rooms: the open rooms with their live counts, ending one,
and how many room WebSockets are open."""

from __future__ import annotations

from aiohttp import web

from mediaserver.keys import db_key
from mediaserver.watchparty import room_lists
from mediaserver.watchparty.records import RoomSummary
from mediaserver.watchparty.registry import rooms_key


async def list_open_rooms(app: web.Application) -> list[RoomSummary]:
    """Every open room, newest first, with how many members are connected now."""
    live = app.get(rooms_key)
    found = []
    for room, host_name, total in await room_lists.open_rooms(app[db_key]):
        connected = 0 if live is None else live.connected_in(room.id)
        playing = room.state.playing
        if live is not None and room.id in live.live:
            playing = live.live[room.id].state.playing
        found.append(
            RoomSummary(
                room.id, host_name, room.title_name, room.media_file_id, connected, total,
                playing, room.created_at,
            )
        )
    return found


async def end_room(app: web.Application, room_id: str, actor_name: str) -> bool:
    """End a room (an admin's or the host's doing): members are told and their sockets closed.
    False when it was not open."""
    return await app[rooms_key].end(room_id, actor_name)


def websocket_count(app: web.Application) -> int:
    """Room WebSockets open on this instance."""
    rooms = app.get(rooms_key)
    return 0 if rooms is None else rooms.websocket_count()
