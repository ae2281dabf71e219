"""One member's room WebSocket: read, limit and validate each message, check the member is
still in the room, and turn it into a room action. Replies go through the member's link."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import WSMsgType, web

from mediaserver.accounts import Profile
from mediaserver.catalog import may_watch_file, next_episode_file
from mediaserver.keys import db_key
from mediaserver.watchparty import messages as m
from mediaserver.watchparty import store
from mediaserver.watchparty.connection import Link
from mediaserver.watchparty.limits import ConnectionLimits
from mediaserver.watchparty.live_member import LiveMember, now_ms
from mediaserver.watchparty.records import MemberRecord
from mediaserver.watchparty.registry import rooms_of
from mediaserver.watchparty.rights_watch import Grant, still_allowed
from mediaserver.watchparty.room import LiveRoom

# 4401: rights changed while connected; the client reconnects and the handshake checks again.
POLICY, RECHECK, REMOVED, ENDED = 1008, 4401, 4403, 4404


class Refused(Exception):
    """A message the room will not act on; the client gets an error and stays connected."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _error(link: Link, code: str, message: str) -> None:
    link.send({"type": "error", "code": code, "message": message})


async def serve(
    app: web.Application,
    ws: web.WebSocketResponse,
    room: LiveRoom,
    member: MemberRecord,
    profile: Profile,
    grant: Grant,
) -> None:
    """Read the member's messages until the socket closes."""
    link = Link(ws, member.id)
    limits = ConnectionLimits()
    room.attach(member, profile, link)
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                if msg.type is WSMsgType.ERROR:
                    break
                _error(link, "bad_message", "Messages are JSON text.")
                continue
            received = now_ms()
            if limits.flooding():
                link.close(POLICY)
                break
            if room.ended:
                link.close(ENDED)
                break
            live = room.member(member.id)
            if live is None:  # removed since the last message
                link.send({"type": "removed"})
                link.close(REMOVED)
                break
            kept = await still_allowed(app, profile, room.record.media_file_id, grant)
            if kept is None:
                link.close(RECHECK)
                break
            grant = kept
            try:
                await _handle(app, room, live, link, m.parse(msg.data), limits, received)
            except (m.BadMessage, Refused) as exc:
                _error(link, exc.code, exc.message)
                if exc.code == "rate_limited" and limits.strike():
                    link.close(POLICY)
                    break
    finally:
        room.detach(link)
        await link.stop()


async def _handle(
    app: web.Application,
    room: LiveRoom,
    live: LiveMember,
    link: Link,
    msg: m.ClientMessage,
    limits: ConnectionLimits,
    received: float,
) -> None:
    if isinstance(msg, m.Ping):
        if msg.rtt is not None:
            live.rtt_ms = msg.rtt
        link.send({"type": "pong", "id": msg.id, "t0": msg.t0, "t1": received, "t2": now_ms()})
    elif isinstance(msg, m.Status):
        if msg.rtt is not None:
            live.rtt_ms = msg.rtt
        room.report(live, link, msg.state, msg.position)
    elif msg.type in m.CONTROL:
        await _control(app, room, live, msg, limits)
    elif isinstance(msg, m.Chat | m.Reaction):
        await _talk(room, live, msg, limits)
    else:
        if live.record.id != room.host_member_id:
            raise Refused("host_only", "Only the host can do this.")
        await _host(app, room, live, msg)


async def _control(
    app: web.Application,
    room: LiveRoom,
    live: LiveMember,
    msg: m.ClientMessage,
    limits: ConnectionLimits,
) -> None:
    if not room.may_control(live.record.id):
        raise Refused("host_only", "Only the host controls playback in this room.")
    # A seek that joins a pending one costs nothing: it only replaces the target.
    coalesced = isinstance(msg, m.Seek) and room.seek_pending()
    if not coalesced and not limits.allow("control"):
        raise Refused("rate_limited", "Too many playback commands; slow down.")
    if isinstance(msg, m.Play):
        room.play()
    elif isinstance(msg, m.Pause):
        room.pause()
    elif isinstance(msg, m.Seek):
        room.seek(msg.position)
    elif isinstance(msg, m.Rate):
        room.set_rate(msg.rate)
    elif isinstance(msg, m.Next):
        found = await next_episode_file(app[db_key], room.record.media_file_id)
        if found is None:
            raise Refused("no_next_episode", "There is no next episode.")
        await _goto(app, room, found.media_file_id)
    elif isinstance(msg, m.Goto):
        await _goto(app, room, msg.media_file_id)


async def _goto(app: web.Application, room: LiveRoom, media_file_id: int) -> None:
    """Move the room to another file, if every connected member may watch it."""
    db = app[db_key]
    for member in room.members.values():
        if member.links and not await may_watch_file(db, member.profile, media_file_id):
            raise Refused("not_allowed", "Not every member of this room may watch that title.")
    async with db.read() as conn:
        title_id, title_name = await store.title_of_file(conn, media_file_id)
    room.change_title(
        replace(room.record, media_file_id=media_file_id, title_id=title_id, title_name=title_name)
    )


async def _talk(
    room: LiveRoom, live: LiveMember, msg: m.Chat | m.Reaction, limits: ConnectionLimits
) -> None:
    if live.record.muted:
        raise Refused("muted", "The host muted you in this room.")
    if isinstance(msg, m.Chat):
        if not limits.allow("chat"):
            raise Refused("rate_limited", "Too many chat messages; wait a few seconds.")
        line = await store.add_chat(
            room.db, room.id, live.record.id, live.record.profile_name, msg.text
        )
        room.chat.append(line)
        room.publish(line.wire())
        return
    if not limits.allow("reaction"):
        raise Refused("rate_limited", "Too many reactions; wait a moment.")
    room.publish(
        {
            "type": "reaction",
            "member_id": live.record.id,
            "profile_name": live.record.profile_name,
            "emoji": msg.emoji,
            "at": now_ms(),
        }
    )


async def _host(
    app: web.Application, room: LiveRoom, live: LiveMember, msg: m.ClientMessage
) -> None:
    if isinstance(msg, m.End):
        await rooms_of(app).end(room.id, live.record.profile_name)
        return
    if isinstance(msg, m.Settings):
        room.update_record(control=msg.control, buffer_wait_seconds=msg.buffer_wait_seconds)
        return
    assert isinstance(msg, m.Host | m.Mute | m.Remove)
    target = room.member(msg.member_id)
    if target is None:
        raise Refused("no_member", "No such member in this room.")
    record = target.record
    if isinstance(msg, m.Host):
        room.update_record(host_user_id=record.user_id, host_profile_id=record.profile_id)
        room.publish_members()
    elif isinstance(msg, m.Mute):
        await store.update_member(room.db, record.id, muted=msg.muted)
        room.set_member(replace(record, muted=msg.muted))
        room.publish_members()
    else:
        if record.id == live.record.id:
            raise Refused("bad_field", "The host cannot remove themselves; hand over or end.")
        await store.update_member(room.db, record.id, removed=True)
        room.set_member(replace(record, removed=True))
        room.close_member(record.id, {"type": "removed"}, REMOVED)
        room.publish_members()
