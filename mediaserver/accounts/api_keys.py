"""API keys for third-party clients: created by admins, shown once, stored hashed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts.tokens import new_token, token_hash
from mediaserver.accounts.users import User
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.schema import api_keys, users
from mediaserver.errors import BadRequest, NotFound

KEY_PREFIX = "msk_"
# last_used_at is refreshed at most this often.
TOUCH_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    user_id: int
    username: str
    name: str
    prefix: str
    created_at: float
    last_used_at: float | None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A key just made: the full secret, shown this once, and the stored key."""

    secret: str
    key: ApiKey


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """Who a bearer key acts as, and which key it was."""

    user: User
    key_id: int


def clean_key_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise BadRequest("Key name must be 1-80 characters.", field="name")
    return name


async def create_api_key(db: Database, user_id: int, name: str, created_by: int) -> NewApiKey:
    """Make a key acting as `user_id`; the plaintext is returned once and never stored."""
    name = clean_key_name(name)
    secret = new_token(KEY_PREFIX)
    now = time.time()
    async with db.write() as conn:
        owner = (
            await conn.execute(sa.select(users.c.username).where(users.c.id == user_id))
        ).first()
        if owner is None:
            raise NotFound("No such user.", field="user_id")
        result = await conn.execute(
            api_keys.insert().values(
                user_id=user_id,
                name=name,
                prefix=secret[:12],
                key_hash=token_hash(secret),
                created_by=created_by,
                created_at=now,
            )
        )
    key = ApiKey(
        result.inserted_primary_key[0], user_id, owner.username, name, secret[:12], now, None
    )
    return NewApiKey(secret, key)


async def list_api_keys(db: Database) -> list[ApiKey]:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(api_keys, users.c.username)
                .join(users, users.c.id == api_keys.c.user_id)
                .where(api_keys.c.revoked_at.is_(None))
                .order_by(api_keys.c.created_at.desc())
            )
        ).all()
    return [
        ApiKey(r.id, r.user_id, r.username, r.name, r.prefix, r.created_at, r.last_used_at)
        for r in rows
    ]


async def revoke_api_key(db: Database, key_id: int) -> None:
    """Revoke a key, and the media URLs handed out to its user: a token does not say which key
    asked for it, and one asked for by a leaked key must not outlive the key (players on the
    user's other devices ask again and play on)."""
    async with db.write() as conn:
        user_id = (
            await conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
                .returning(api_keys.c.user_id)
            )
        ).scalar_one_or_none()
        if user_id is None:
            raise NotFound("No such API key.")
        await bump(conn, "user", [user_id])


async def authenticate_key(db: Database, secret: str) -> KeyHolder | None:
    """The user a bearer key acts as, and the key id; None for unknown/revoked keys."""
    if not secret.startswith(KEY_PREFIX):
        return None
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(
                    api_keys.c.id,
                    api_keys.c.last_used_at,
                    users.c.id.label("uid"),
                    users.c.username,
                    users.c.role,
                    users.c.disabled,
                    users.c.created_at,
                )
                .join(users, users.c.id == api_keys.c.user_id)
                .where(api_keys.c.key_hash == token_hash(secret), api_keys.c.revoked_at.is_(None))
            )
        ).first()
    if row is None or row.disabled:
        return None
    now = time.time()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        async with db.write() as conn:
            await conn.execute(
                api_keys.update().where(api_keys.c.id == row.id).values(last_used_at=now)
            )
    return KeyHolder(User(row.uid, row.username, row.role, False, row.created_at), row.id)
