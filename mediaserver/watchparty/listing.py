"""The rooms someone sees on their Rooms page and in GET /api/v1/rooms."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from mediaserver.catalog import may_watch_file
from mediaserver.keys import db_key, secret_key
from mediaserver.watchparty import invites, room_lists, store
from mediaserver.watchparty.invites import link_token
from mediaserver.watchparty.membership import Caller
from mediaserver.watchparty.records import MyRoom
from mediaserver.watchparty.registry import rooms_key


async def my_rooms(app: web.Application, caller: Caller) -> list[MyRoom]:
    """Open rooms the account hosts, is a member of or is invited to, on titles the acting
    profile may watch (a kids profile does not see its parent's room on an adult title); a
    hosted room carries its usable invite links. The playback state and the last chat line are
    the live ones where the room is loaded."""
    db = app[db_key]
    found = [
        row
        for row in await room_lists.rooms_of_user(db, caller.user_id)
        if await may_watch_file(db, caller.profile, row[0].media_file_id)
    ]
    hosted = [room.id for room, *_ in found if room.host_profile_id == caller.profile.id]
    links = await invites.room_links(db, hosted)
    live = app[rooms_key].live
    secret = app[secret_key]
    result = []
    for room, host_name, is_member, invited in found:
        if room.id in live:
            current = live[room.id]
            room = replace(current.record, state=current.state)
            last = current.chat[-1] if current.chat else None
        else:
            last = next(iter(await store.recent_chat(db, room.id, limit=1)), None)
        result.append(
            MyRoom(
                room=room,
                host_name=host_name,
                is_host=room.host_profile_id == caller.profile.id,
                is_member=is_member,
                invited=invited,
                links=tuple((i, link_token(secret, i.id)) for i in links.get(room.id, [])),
                last_chat=last,
            )
        )
    return result
