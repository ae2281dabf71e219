"""Rooms, members and chat in the database: the state a restart resumes from."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles
from mediaserver.db.watchparty_schema import room_chat, room_members, rooms
from mediaserver.errors import Conflict, Forbidden
from mediaserver.watchparty.records import (
    ChatRecord,
    MemberRecord,
    PlaybackState,
    RoomRecord,
)

CHAT_KEPT = 50


async def title_of_file(conn: AsyncConnection, media_file_id: int) -> tuple[int | None, str]:
    """(title id, readable name) of a media file: the movie, or "Series S1E2 · Episode"."""
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    row = (
        await conn.execute(
            sa.select(
                titles.c.id,
                titles.c.title,
                episodes.c.season_number,
                episodes.c.episode_number,
                episodes.c.title.label("episode_title"),
            )
            .select_from(media_files)
            .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
            .outerjoin(titles, titles.c.id == owner)
            .where(media_files.c.id == media_file_id)
        )
    ).first()
    if row is None or row.id is None:
        return None, "Untitled"
    if row.season_number is None:
        return row.id, row.title
    name = f"{row.title} S{row.season_number}E{row.episode_number}"
    return row.id, f"{name} · {row.episode_title}" if row.episode_title else name


def room_of_row(row: sa.Row, title_name: str) -> RoomRecord:
    state = PlaybackState(row.playing, row.position, row.at_ms, row.rate, row.seq)
    return RoomRecord(
        row.id, row.host_user_id, row.host_profile_id, row.media_file_id, row.title_id,
        title_name, row.control, row.buffer_wait_seconds, state, row.created_at,
        row.last_active_at, row.ended_at,
    )


async def count_open_rooms(db: Database, user_id: int) -> int:
    async with db.read() as conn:
        query = sa.select(sa.func.count()).where(
            rooms.c.host_user_id == user_id, rooms.c.ended_at.is_(None)
        )
        return int(await conn.scalar(query) or 0)


async def insert_room(db: Database, room: RoomRecord) -> int:
    """Store a new room with its host as the first member; the host's member id."""
    async with db.write() as conn:
        await conn.execute(
            sa.insert(rooms).values(
                id=room.id,
                host_user_id=room.host_user_id,
                host_profile_id=room.host_profile_id,
                media_file_id=room.media_file_id,
                title_id=room.title_id,
                control=room.control,
                buffer_wait_seconds=room.buffer_wait_seconds,
                playing=room.state.playing,
                position=room.state.position,
                at_ms=room.state.at_ms,
                rate=room.state.rate,
                seq=room.state.seq,
                created_at=room.created_at,
                last_active_at=room.last_active_at,
            )
        )
        return await _insert_member(conn, room.id, room.host_user_id, room.host_profile_id)


async def _insert_member(conn: AsyncConnection, room_id: str, user_id: int, profile_id: int) -> int:
    now = time.time()
    result = await conn.execute(
        sa.insert(room_members)
        .values(
            room_id=room_id, user_id=user_id, profile_id=profile_id, joined_at=now,
            last_seen_at=now,
        )
        .returning(room_members.c.id)
    )
    return int(result.scalar_one())


async def get_room(db: Database, room_id: str) -> RoomRecord | None:
    """The room, ended or not; None for an unknown id."""
    async with db.read() as conn:
        row = (await conn.execute(sa.select(rooms).where(rooms.c.id == room_id))).first()
        if row is None:
            return None
        _, name = await title_of_file(conn, row.media_file_id)
    return room_of_row(row, name)


async def save_room(db: Database, room: RoomRecord) -> None:
    """Write a live room's playback state, title, settings and host back."""
    s = room.state
    async with db.write() as conn:
        await conn.execute(
            sa.update(rooms)
            .where(rooms.c.id == room.id)
            .values(
                host_user_id=room.host_user_id,
                host_profile_id=room.host_profile_id,
                media_file_id=room.media_file_id,
                title_id=room.title_id,
                control=room.control,
                buffer_wait_seconds=room.buffer_wait_seconds,
                playing=s.playing,
                position=s.position,
                at_ms=s.at_ms,
                rate=s.rate,
                seq=s.seq,
                last_active_at=time.time(),
            )
        )


async def touch_room(db: Database, room_id: str, now: float | None = None) -> None:
    async with db.write() as conn:
        await conn.execute(
            sa.update(rooms)
            .where(rooms.c.id == room_id)
            .values(last_active_at=time.time() if now is None else now)
        )


async def mark_ended(db: Database, room_id: str) -> bool:
    """End an open room; False when it was already ended or never existed."""
    async with db.write() as conn:
        result = await conn.execute(
            sa.update(rooms)
            .where(rooms.c.id == room_id, rooms.c.ended_at.is_(None))
            .values(ended_at=time.time())
        )
    return bool(result.rowcount)


async def idle_open_rooms(db: Database, before: float) -> list[str]:
    """Open rooms nobody has touched since `before`."""
    async with db.read() as conn:
        result = await conn.execute(
            sa.select(rooms.c.id).where(rooms.c.ended_at.is_(None), rooms.c.last_active_at < before)
        )
        return [row.id for row in result]


# ----- members -----

_MEMBER_COLUMNS = (
    room_members.c.id,
    room_members.c.room_id,
    room_members.c.user_id,
    room_members.c.profile_id,
    profiles.c.name,
    profiles.c.avatar,
    room_members.c.muted,
    room_members.c.removed_at,
    room_members.c.joined_at,
)


def _member(row: sa.Row) -> MemberRecord:
    return MemberRecord(
        row.id, row.room_id, row.user_id, row.profile_id, row.name, row.avatar, row.muted,
        row.removed_at is not None, row.joined_at,
    )


def _members_query() -> sa.Select:
    return sa.select(*_MEMBER_COLUMNS).join(profiles, profiles.c.id == room_members.c.profile_id)


async def list_members(db: Database, room_id: str) -> list[MemberRecord]:
    async with db.read() as conn:
        result = await conn.execute(
            _members_query().where(room_members.c.room_id == room_id).order_by(room_members.c.id)
        )
        return [_member(row) for row in result]


async def find_member(db: Database, room_id: str, profile_id: int) -> MemberRecord | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                _members_query().where(
                    room_members.c.room_id == room_id, room_members.c.profile_id == profile_id
                )
            )
        ).first()
    return None if row is None else _member(row)


async def add_member(
    db: Database, room_id: str, user_id: int, profile_id: int, max_members: int
) -> MemberRecord:
    """The profile's membership, made now unless it exists; a removed member stays out."""
    found = await find_member(db, room_id, profile_id)
    if found is not None:
        if found.removed:
            raise Forbidden("The host removed you from this room.")
        return found
    async with db.write() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count()).where(
                room_members.c.room_id == room_id, room_members.c.removed_at.is_(None)
            )
        )
        if int(count or 0) >= max_members:
            raise Conflict(f"This room is full ({max_members} members).")
        await _insert_member(conn, room_id, user_id, profile_id)
    member = await find_member(db, room_id, profile_id)
    assert member is not None  # just written
    return member


async def update_member(
    db: Database, member_id: int, *, muted: bool | None = None, removed: bool = False
) -> None:
    values: dict = {"last_seen_at": time.time()}
    if muted is not None:
        values["muted"] = muted
    if removed:
        values["removed_at"] = time.time()
    async with db.write() as conn:
        await conn.execute(
            sa.update(room_members).where(room_members.c.id == member_id).values(values)
        )


# ----- chat -----


async def add_chat(
    db: Database, room_id: str, member_id: int, profile_name: str, text: str
) -> ChatRecord:
    now = time.time()
    async with db.write() as conn:
        result = await conn.execute(
            sa.insert(room_chat)
            .values(room_id=room_id, member_id=member_id, profile_name=profile_name[:40],
                    text=text, at=now)
            .returning(room_chat.c.id)
        )
        chat_id = int(result.scalar_one())
    return ChatRecord(chat_id, member_id, profile_name, text, now)


async def recent_chat(db: Database, room_id: str, limit: int = CHAT_KEPT) -> list[ChatRecord]:
    """The room's last `limit` chat lines, oldest first."""
    async with db.read() as conn:
        result = await conn.execute(
            sa.select(room_chat)
            .where(room_chat.c.room_id == room_id)
            .order_by(room_chat.c.id.desc())
            .limit(limit)
        )
        rows = list(result)
    return [ChatRecord(r.id, r.member_id, r.profile_name, r.text, r.at) for r in reversed(rows)]


async def is_member_user(db: Database, room_id: str, user_id: int) -> bool:
    """Whether one of this account's profiles is a member (another profile may join too)."""
    async with db.read() as conn:
        found = await conn.scalar(
            sa.select(sa.func.count()).where(
                room_members.c.room_id == room_id,
                room_members.c.user_id == user_id,
                room_members.c.removed_at.is_(None),
            )
        )
    return bool(found)
