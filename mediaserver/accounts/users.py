"""User accounts: create, look up, change password, role and disabled flag."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mediaserver.accounts.passwords import check_password_rules, hash_secret, verify_secret
from mediaserver.accounts.session_cache import forget_user
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.schema import profiles, sessions, users
from mediaserver.errors import BadRequest, Conflict, NotFound

Role = Literal["admin", "user"]
ROLES: tuple[Role, ...] = get_args(Role)
USERNAME_RE = re.compile(r"^[\w.@+-]{1,64}$")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: float

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_COLUMNS = (users.c.id, users.c.username, users.c.role, users.c.disabled, users.c.created_at)


def _user(row: sa.Row) -> User:
    return User(row.id, row.username, row.role, bool(row.disabled), row.created_at)


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise BadRequest(
            "Username must be 1-64 letters, digits or . _ - + @ (no spaces).", field="username"
        )
    return username


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise BadRequest(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    return cast(Role, role)


async def count_users(db: Database) -> int:
    async with db.read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(users))).scalar_one()


async def create_user(
    db: Database, username: str, password: str, role: str = "user", *, only_if_first: bool = False
) -> User:
    """Create a user and their first profile. `only_if_first` guards the first-run page."""
    username = check_username(username)
    check_password_rules(password)
    checked_role = check_role(role)
    password_hash = await hash_secret(password)
    now = time.time()
    async with db.write() as conn:
        if only_if_first:
            if conn.dialect.name == "postgresql":
                # Under READ COMMITTED two first-run forms sent at once would each count no
                # accounts and both become admin: the second waits here and then counts one.
                await conn.execute(sa.text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
            existing = (await conn.execute(sa.select(sa.func.count()).select_from(users))).scalar()
            if existing:
                raise Conflict("The server is already set up; sign in instead.")
        try:
            result = await conn.execute(
                users.insert().values(
                    username=username,
                    username_key=username.lower(),
                    password_hash=password_hash,
                    role=checked_role,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        except IntegrityError:
            raise Conflict(f"A user named '{username}' already exists.", field="username") from None
        user_id = result.inserted_primary_key[0]
        await conn.execute(
            profiles.insert().values(
                user_id=user_id, name=username[:40], avatar="blue", is_kids=False, created_at=now
            )
        )
    return User(user_id, username, checked_role, False, now)


async def get_user(db: Database, user_id: int) -> User:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(*_COLUMNS).where(users.c.id == user_id))).first()
    if row is None:
        raise NotFound("No such user.")
    return _user(row)


async def find_user(db: Database, username: str) -> User | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(*_COLUMNS).where(users.c.username_key == username.strip().lower())
            )
        ).first()
    return _user(row) if row else None


async def list_users(db: Database) -> list[User]:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(*_COLUMNS).order_by(users.c.username_key))).all()
    return [_user(r) for r in rows]


async def authenticate(db: Database, username: str, password: str) -> User | None:
    """The user when name and password match and the account is enabled; else None.

    The same work is done whether or not the user exists, so timing does not reveal names.
    """
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(*_COLUMNS, users.c.password_hash).where(
                    users.c.username_key == username.strip().lower()
                )
            )
        ).first()
    ok = await verify_secret(row.password_hash if row else None, password)
    if not ok or row is None or row.disabled:
        return None
    return _user(row)


async def set_password(db: Database, user_id: int, password: str) -> None:
    """Change a password and sign the user out everywhere, media URLs handed out included."""
    check_password_rules(password)
    password_hash = await hash_secret(password)
    now = time.time()
    async with db.write() as conn:
        result = await conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(password_hash=password_hash, updated_at=now)
        )
        if result.rowcount == 0:
            raise NotFound("No such user.")
        await _revoke_all(conn, user_id, now)
        await bump(conn, "user", [user_id], now)
    forget_user(user_id)


async def set_disabled(db: Database, user_id: int, disabled: bool) -> None:
    """Disable (signed out everywhere, media URLs handed out refused) or enable an account."""
    now = time.time()
    async with db.write() as conn:
        if disabled:
            await _refuse_last_admin(conn, user_id)
        result = await conn.execute(
            users.update().where(users.c.id == user_id).values(disabled=disabled, updated_at=now)
        )
        if result.rowcount == 0:
            raise NotFound("No such user.")
        if disabled:
            await _revoke_all(conn, user_id, now)
        await bump(conn, "user", [user_id], now)
    forget_user(user_id)


async def set_role(db: Database, user_id: int, role: str) -> None:
    role = check_role(role)
    async with db.write() as conn:
        if role != "admin":
            await _refuse_last_admin(conn, user_id)
        result = await conn.execute(
            users.update().where(users.c.id == user_id).values(role=role, updated_at=time.time())
        )
        if result.rowcount == 0:
            raise NotFound("No such user.")
    forget_user(user_id)


async def delete_user(db: Database, user_id: int) -> None:
    async with db.write() as conn:
        await _refuse_last_admin(conn, user_id)
        result = await conn.execute(users.delete().where(users.c.id == user_id))
        if result.rowcount == 0:
            raise NotFound("No such user.")
        await bump(conn, "user", [user_id])
    forget_user(user_id)


async def _refuse_last_admin(conn: sa.ext.asyncio.AsyncConnection, user_id: int) -> None:
    """Never leave the server without an enabled admin."""
    admins = (
        (
            await conn.execute(
                sa.select(users.c.id).where(users.c.role == "admin", users.c.disabled.is_(False))
            )
        )
        .scalars()
        .all()
    )
    if admins == [user_id]:
        raise Conflict("This is the only enabled admin; make another admin first.")


async def _revoke_all(conn: sa.ext.asyncio.AsyncConnection, user_id: int, now: float) -> None:
    await conn.execute(
        sessions.update()
        .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
