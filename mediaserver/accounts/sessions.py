"""Server-side sessions: one row per signed-in device, revocable.

A session found by its cookie is kept in process for a few seconds (session_cache), so a
player's position reports (or a page's burst of API calls) do not read it each time. Changing a
session, its user or the user's profiles in this process drops the user's cached sessions at
once, so signing out, a revoked device, a disabled account or a profile made kids counts from
the next request; another instance sharing a PostgreSQL database sees such a change within
session_cache.CACHE_SECONDS.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts.profiles import Profile, profile_from_row
from mediaserver.accounts.session_cache import cache as _cache
from mediaserver.accounts.session_cache import forget_all
from mediaserver.accounts.tokens import new_token, token_hash
from mediaserver.accounts.users import User
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.schema import profiles, sessions, users
from mediaserver.errors import NotFound
from mediaserver.keys import config_key, db_key

# last_seen_at is refreshed at most this often, so browsing does not turn every read into a write.
TOUCH_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class DeviceSession:
    id: int
    user_id: int
    profile_id: int | None
    csrf_token: str
    device_name: str
    ip_address: str
    created_at: float
    last_seen_at: float
    expires_at: float


_COLUMNS = (
    sessions.c.id,
    sessions.c.user_id,
    sessions.c.profile_id,
    sessions.c.csrf_token,
    sessions.c.device_name,
    sessions.c.ip_address,
    sessions.c.created_at,
    sessions.c.last_seen_at,
    sessions.c.expires_at,
)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session found by its cookie: who it is, the session, and the chosen profile."""

    user: User
    session: DeviceSession
    profile: Profile | None


def _session(row: sa.Row) -> DeviceSession:
    return DeviceSession(*(getattr(row, c.name) for c in _COLUMNS))


def describe_device(user_agent: str) -> str:
    """A short readable name like 'Firefox on Linux' from a User-Agent header."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
                ("curl/", "curl"),
                ("python", "Python client"),
            )
            if key in ua
        ),
        "Unknown browser",
    )
    system = next(
        (
            name
            for key, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


async def create_session(
    db: Database,
    user_id: int,
    *,
    device_name: str,
    ip_address: str,
    days: int,
    profile_id: int | None = None,
) -> tuple[str, DeviceSession]:
    """Start a session; returns the cookie value (shown only here) and the row."""
    token = new_token()
    now = time.time()
    values = {
        "token_hash": token_hash(token),
        "user_id": user_id,
        "profile_id": profile_id,
        "csrf_token": secrets.token_urlsafe(32),
        "device_name": device_name[:200],
        "ip_address": ip_address[:64],
        "created_at": now,
        "last_seen_at": now,
        "expires_at": now + days * 86400,
    }
    async with db.write() as conn:
        result = await conn.execute(sessions.insert().values(**values))
    del values["token_hash"]
    return token, DeviceSession(id=result.inserted_primary_key[0], **values)


# Built once: this runs on every signed-in request, and building a statement costs more than
# executing a cached one. The profile is joined only if it belongs to the session's user.
_LOOKUP = (
    sa.select(
        *_COLUMNS,
        users.c.username,
        users.c.role,
        users.c.disabled,
        users.c.created_at.label("user_created_at"),
        *profiles.c,
    )
    .select_from(sessions)
    .join(users, users.c.id == sessions.c.user_id)
    .outerjoin(
        profiles,
        sa.and_(profiles.c.id == sessions.c.profile_id, profiles.c.user_id == sessions.c.user_id),
    )
    .where(
        sessions.c.token_hash == sa.bindparam("token_hash"),
        sessions.c.revoked_at.is_(None),
        sessions.c.expires_at > sa.bindparam("now"),
    )
)


async def lookup(db: Database, token: str) -> SignedIn | None:
    """The live session for a cookie value, with its user and chosen profile, in one query
    (or none, when this process read it within session_cache.CACHE_SECONDS).

    None unless the session is neither revoked nor expired and its user is enabled. The profile
    is None when none is chosen (or it was deleted meanwhile).
    """
    key = token_hash(token)
    now = time.monotonic()
    cached = _cache.get(key, now)
    if cached is not None:
        return cached
    epoch = _cache.epoch
    params = {"token_hash": key, "now": time.time()}
    async with db.read() as conn:
        row = (await conn.execute(_LOOKUP, params)).first()
    if row is None or row.disabled:
        return None
    user = User(row.user_id, row.username, row.role, bool(row.disabled), row.user_created_at)
    profile = None if row._mapping[profiles.c.id] is None else profile_from_row(row)
    found = SignedIn(user, _session(row), profile)
    _cache.put(key, found, now, epoch)
    return found


async def touch(db: Database, session: DeviceSession, ip_address: str) -> None:
    now = time.time()
    if now - session.last_seen_at < TOUCH_INTERVAL:
        return
    async with db.write() as conn:
        await conn.execute(
            sessions.update()
            .where(sessions.c.id == session.id)
            .values(last_seen_at=now, ip_address=ip_address[:64])
        )
    # The cached copy too, or every request after the interval would write again.
    _cache.replace_session(replace(session, last_seen_at=now, ip_address=ip_address[:64]))


async def list_sessions(db: Database, user_id: int) -> list[DeviceSession]:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(*_COLUMNS)
                .where(
                    sessions.c.user_id == user_id,
                    sessions.c.revoked_at.is_(None),
                    sessions.c.expires_at > time.time(),
                )
                .order_by(sessions.c.last_seen_at.desc())
            )
        ).all()
    return [_session(r) for r in rows]


async def revoke(db: Database, user_id: int, session_id: int, *, stop_media: bool = False) -> None:
    """Sign one device out. Scoped to the user: another user's session id is 'not found'.

    `stop_media` also refuses the media URLs handed out to the account, for a device signed out
    from the devices list (lost, stolen, not recognised): a token does not say which device asked
    for it, and that device's plays must end with it; players on the other devices ask again and
    play on.
    """
    async with db.write() as conn:
        result = await conn.execute(
            sessions.update()
            .where(
                sessions.c.id == session_id,
                sessions.c.user_id == user_id,
                sessions.c.revoked_at.is_(None),
            )
            .values(revoked_at=time.time())
        )
        if result.rowcount == 0:
            raise NotFound("No such signed-in device.")
        if stop_media:
            await bump(conn, "user", [user_id])
    _cache.forget(session_id=session_id)


async def select_profile(db: Database, session_id: int, profile_id: int | None) -> None:
    async with db.write() as conn:
        await conn.execute(
            sessions.update().where(sessions.c.id == session_id).values(profile_id=profile_id)
        )
    _cache.forget(session_id=session_id)


async def purge_ended(db: Database, older_than: float) -> int:
    """Delete sessions that expired or were signed out before `older_than` (epoch seconds);
    they can never be used again. Returns how many."""
    stmt = sessions.delete().where(
        sa.or_(sessions.c.expires_at < older_than, sessions.c.revoked_at < older_than)
    )
    async with db.write() as conn:
        deleted = (await conn.execute(stmt)).rowcount or 0
    forget_all()
    return deleted


async def purge_ended_sessions(app: web.Application) -> int:
    """Housekeeping: sessions ended more than housekeeping.keep_ended_sessions_days ago."""
    days = app[config_key].housekeeping.keep_ended_sessions_days
    return await purge_ended(app[db_key], time.time() - days * 86400)
