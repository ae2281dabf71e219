"""The lists of rooms: every open room (for the admin and the face), and the rooms one account
hosts, is a member of or is invited to (its Rooms page)."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.schema import users
from mediaserver.db.watchparty_schema import room_invites, room_members, rooms
from mediaserver.watchparty.records import RoomRecord
from mediaserver.watchparty.store import room_of_row, title_of_file


async def open_rooms(db: Database) -> list[tuple[RoomRecord, str, int]]:
    """Every open room, newest first: (room, host's user name, members not removed)."""
    members = (
        sa.select(sa.func.count())
        .where(room_members.c.room_id == rooms.c.id, room_members.c.removed_at.is_(None))
        .scalar_subquery()
    )
    async with db.read() as conn:
        result = await conn.execute(
            sa.select(rooms, users.c.username, members.label("members_total"))
            .join(users, users.c.id == rooms.c.host_user_id)
            .where(rooms.c.ended_at.is_(None))
            .order_by(rooms.c.created_at.desc())
        )
        rows = list(result)
        found = []
        for row in rows:
            _, name = await title_of_file(conn, row.media_file_id)
            found.append((room_of_row(row, name), row.username, int(row.members_total)))
    return found


async def rooms_of_user(db: Database, user_id: int) -> list[tuple[RoomRecord, str, bool, bool]]:
    """Open rooms this account hosts, is a member of or is invited to, newest first:
    (room, host's user name, is a member, invited directly)."""
    member = sa.exists().where(
        room_members.c.room_id == rooms.c.id,
        room_members.c.user_id == user_id,
        room_members.c.removed_at.is_(None),
    )
    invited = sa.exists().where(
        room_invites.c.room_id == rooms.c.id,
        room_invites.c.user_id == user_id,
        room_invites.c.revoked_at.is_(None),
        room_invites.c.expires_at > time.time(),
    )
    async with db.read() as conn:
        result = await conn.execute(
            sa.select(rooms, users.c.username, member.label("is_member"),
                      invited.label("invited"))
            .join(users, users.c.id == rooms.c.host_user_id)
            .where(
                rooms.c.ended_at.is_(None),
                sa.or_(rooms.c.host_user_id == user_id, member, invited),
            )
            .order_by(rooms.c.created_at.desc())
        )
        found = []
        for row in list(result):
            _, name = await title_of_file(conn, row.media_file_id)
            room = room_of_row(row, name)
            found.append((room, row.username, bool(row.is_member), bool(row.invited)))
    return found
