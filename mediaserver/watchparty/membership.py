"""Starting, joining and inviting to rooms, each member under their own account and profile:
nobody gets into a room whose title their profile may not watch (they are told "not found",
as the player page tells them)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import Profile, list_users
from mediaserver.catalog import may_watch_file
from mediaserver.errors import Conflict, Forbidden, NotFound
from mediaserver.keys import config_key, db_key, secret_key
from mediaserver.watchparty import invites, store
from mediaserver.watchparty.live_member import now_ms
from mediaserver.watchparty.records import (
    Control,
    InviteRecord,
    MemberRecord,
    PlaybackState,
    RoomRecord,
)
from mediaserver.watchparty.registry import rooms_of
from mediaserver.watchparty.room import LiveRoom

NOT_FOUND = "No such room, or it is not open to this profile."


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts: the signed-in account and the profile it acts as."""

    user_id: int
    user_name: str
    profile: Profile


async def create_room(
    app: web.Application,
    caller: Caller,
    media_file_id: int,
    control: Control = "host",
    buffer_wait_seconds: float | None = None,
) -> RoomRecord:
    """A new room on a file the caller may watch, with the caller as host and first member."""
    db = app[db_key]
    settings = app[config_key].watchparty
    if not await may_watch_file(db, caller.profile, media_file_id):
        raise NotFound("No such title, or it is not available to this profile.")
    if await store.count_open_rooms(db, caller.user_id) >= settings.max_rooms_per_user:
        raise Conflict(
            f"You already host {settings.max_rooms_per_user} open rooms; end one first."
        )
    async with db.read() as conn:
        title_id, title_name = await store.title_of_file(conn, media_file_id)
    now = time.time()
    wait = settings.buffer_wait_seconds if buffer_wait_seconds is None else buffer_wait_seconds
    record = RoomRecord(
        id=secrets.token_urlsafe(9),
        host_user_id=caller.user_id,
        host_profile_id=caller.profile.id,
        media_file_id=media_file_id,
        title_id=title_id,
        title_name=title_name,
        control=control,
        buffer_wait_seconds=wait,
        state=PlaybackState(False, 0.0, now_ms(), 1.0, 0),
        created_at=now,
        last_active_at=now,
        ended_at=None,
    )
    await store.insert_room(db, record)
    return record


async def visible_room(app: web.Application, room_id: str, profile: Profile) -> LiveRoom:
    """The open room, if this profile may watch what it plays; "not found" otherwise."""
    room = await rooms_of(app).get(room_id) if _plausible(room_id) else None
    if room is None or not await may_watch_file(
        app[db_key], profile, room.record.media_file_id
    ):
        raise NotFound(NOT_FOUND)
    return room


def _plausible(room_id: str) -> bool:
    return 0 < len(room_id) <= 16 and room_id.isascii()


async def join(
    app: web.Application, room_id: str, caller: Caller, *, invited: bool = False
) -> tuple[LiveRoom, MemberRecord]:
    """Make the caller's profile a member: it must be a member already, the host's account,
    invited directly, or come with an invite link (`invited`)."""
    db = app[db_key]
    room = await visible_room(app, room_id, caller.profile)
    found = await store.find_member(db, room_id, caller.profile.id)
    if found is not None and found.removed:
        raise Forbidden("The host removed you from this room.")
    if found is None:
        allowed = (
            invited
            or room.record.host_user_id == caller.user_id
            or await store.is_member_user(db, room_id, caller.user_id)
            or await invites.invited_directly(db, room_id, caller.user_id)
        )
        if not allowed:
            raise NotFound(NOT_FOUND)
    member = await store.add_member(
        db, room_id, caller.user_id, caller.profile.id, app[config_key].watchparty.max_members
    )
    if found is None:
        room.set_member(member)
        room.publish_members()
    return room, member


async def join_by_link(app: web.Application, token: str, caller: Caller) -> LiveRoom:
    """Join with an invite link: signed, not expired, not revoked, not used up."""
    db = app[db_key]
    invite_id = invites.token_id(app[secret_key], token)
    invite = None if invite_id is None else await invites.get_invite(db, invite_id)
    if invite is None or invite.user_id is not None:
        raise NotFound("This invite link is not valid.")
    # Rights first: a profile that may not watch the title does not use up the invite.
    room = await visible_room(app, invite.room_id, caller.profile)
    # A member opening the link again needs no use of it.
    if await store.find_member(db, room.id, caller.profile.id) is None and not (
        invite.usable(time.time()) and await invites.use_invite(db, invite)
    ):
        raise NotFound("This invite link has expired, was revoked or was already used.")
    room, _ = await join(app, room.id, caller, invited=True)
    return room


async def hosted_room(app: web.Application, room_id: str, caller: Caller) -> LiveRoom:
    """The room, when the caller's profile is its host."""
    room = await visible_room(app, room_id, caller.profile)
    if room.record.host_profile_id != caller.profile.id:
        raise Forbidden("Only the room's host can do this.")
    return room


async def create_link(
    app: web.Application, room_id: str, caller: Caller, hours: float | None, single_use: bool
) -> tuple[InviteRecord, str]:
    """A new invite link to a room the caller hosts: the record and its signed token."""
    room = await hosted_room(app, room_id, caller)
    lifetime = app[config_key].watchparty.invite_hours if hours is None else hours
    invite = await invites.create_invite(
        app[db_key], room.id, caller.user_id, lifetime, single_use=single_use
    )
    return invite, invites.link_token(app[secret_key], invite.id)


async def revoke_link(app: web.Application, room_id: str, token: str, caller: Caller) -> None:
    room = await hosted_room(app, room_id, caller)
    invite_id = invites.token_id(app[secret_key], token) or token
    if not await invites.revoke_invite(app[db_key], room.id, invite_id):
        raise NotFound("No such invite, or it was already revoked.")


async def invite_users(
    app: web.Application, room_id: str, caller: Caller, user_ids: list[int]
) -> list[int]:
    """Invite users of this server directly; they find the room on their Rooms page."""
    room = await hosted_room(app, room_id, caller)
    known = {u.id for u in await list_users(app[db_key]) if not u.disabled}
    missing = [i for i in user_ids if i not in known]
    if missing:
        raise NotFound(f"No such user: {missing[0]}.")
    hours = app[config_key].watchparty.invite_hours
    for user_id in dict.fromkeys(user_ids):
        if user_id != caller.user_id:
            await invites.create_invite(app[db_key], room.id, caller.user_id, hours,
                                        user_id=user_id)
    return list(dict.fromkeys(user_ids))


async def end_hosted(app: web.Application, room_id: str, caller: Caller) -> None:
    room = await hosted_room(app, room_id, caller)
    await rooms_of(app).end(room.id, caller.profile.name)
