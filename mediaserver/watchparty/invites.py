"""Invites: links signed with the server's secret (expiring, revocable, optionally single-use)
and direct invitations of users of this server.

A link carries `<id>.<signature>`: the id names the stored invite (its expiry, revocation and
uses), the HMAC signature proves the server made it, so a guessed or altered token is refused
before the database is asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.watchparty_schema import room_invites
from mediaserver.watchparty.records import InviteRecord

_CONTEXT = b"mediaserver watch-together invite\x00"


def _signature(secret: bytes, invite_id: str) -> str:
    mac = hmac.new(secret, _CONTEXT + invite_id.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def link_token(secret: bytes, invite_id: str) -> str:
    return f"{invite_id}.{_signature(secret, invite_id)}"


def token_id(secret: bytes, token: str) -> str | None:
    """The invite id in a link token whose signature is right; None otherwise."""
    invite_id, _, signature = token.partition(".")
    if not invite_id or len(invite_id) > 32 or not invite_id.isascii() or not signature:
        return None
    if not hmac.compare_digest(_signature(secret, invite_id), signature):
        return None
    return invite_id


def _invite(row: sa.Row) -> InviteRecord:
    return InviteRecord(
        row.id, row.room_id, row.created_by, row.user_id, row.created_at, row.expires_at,
        row.single_use, row.uses, row.revoked_at is not None,
    )


async def create_invite(
    db: Database,
    room_id: str,
    created_by: int,
    hours: float,
    *,
    single_use: bool = False,
    user_id: int | None = None,
) -> InviteRecord:
    now = time.time()
    values = {
        "id": secrets.token_urlsafe(12),
        "room_id": room_id,
        "created_by": created_by,
        "user_id": user_id,
        "created_at": now,
        "expires_at": now + hours * 3600.0,
        "single_use": single_use,
    }
    async with db.write() as conn:
        await conn.execute(sa.insert(room_invites).values(values))
    return InviteRecord(
        values["id"], room_id, created_by, user_id, now, values["expires_at"], single_use, 0,
        False,
    )


async def get_invite(db: Database, invite_id: str) -> InviteRecord | None:
    async with db.read() as conn:
        row = (
            await conn.execute(sa.select(room_invites).where(room_invites.c.id == invite_id))
        ).first()
    return None if row is None else _invite(row)


async def use_invite(db: Database, invite: InviteRecord) -> bool:
    """Count one use; False when it may not be used (any more): expired, revoked, used up.
    The check and the count are one statement, so two people cannot share a single use."""
    now = time.time()
    t = room_invites.c
    query = (
        sa.update(room_invites)
        .where(t.id == invite.id, t.revoked_at.is_(None), t.expires_at > now)
        .values(uses=t.uses + 1)
    )
    if invite.single_use:
        query = query.where(t.uses == 0)
    async with db.write() as conn:
        result = await conn.execute(query)
    return bool(result.rowcount)


async def revoke_invite(db: Database, room_id: str, invite_id: str) -> bool:
    async with db.write() as conn:
        result = await conn.execute(
            sa.update(room_invites)
            .where(
                room_invites.c.id == invite_id,
                room_invites.c.room_id == room_id,
                room_invites.c.revoked_at.is_(None),
            )
            .values(revoked_at=time.time())
        )
    return bool(result.rowcount)


async def room_links(db: Database, room_ids: list[str]) -> dict[str, list[InviteRecord]]:
    """The usable invite links of these rooms, newest first."""
    if not room_ids:
        return {}
    t = room_invites.c
    async with db.read() as conn:
        result = await conn.execute(
            sa.select(room_invites)
            .where(
                t.room_id.in_(room_ids), t.user_id.is_(None), t.revoked_at.is_(None),
                t.expires_at > time.time(),
            )
            .order_by(t.created_at.desc())
        )
        found: dict[str, list[InviteRecord]] = {}
        for row in result:
            invite = _invite(row)
            if invite.usable(time.time()):
                found.setdefault(row.room_id, []).append(invite)
    return found


async def invited_directly(db: Database, room_id: str, user_id: int) -> bool:
    t = room_invites.c
    async with db.read() as conn:
        found = await conn.scalar(
            sa.select(sa.func.count()).where(
                t.room_id == room_id, t.user_id == user_id, t.revoked_at.is_(None),
                t.expires_at > time.time(),
            )
        )
    return bool(found)
