"""Writing and reading the audit log. Any domain records its admin actions through
`record_audit` (or, from a handler, `audit_request`, which names the signed-in admin and the
client's address); the admin audit page reads them back with `list_audit`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.audit_schema import audit_log
from mediaserver.db.engine import Database
from mediaserver.keys import db_key

REDACTED = "(secret)"


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who did it: the signed-in admin (or the system for scheduled work)."""

    user_id: int | None
    name: str
    address: str = ""


SYSTEM = AuditActor(None, "system")

# Who is acting in a request: registered by the layer that knows the caller and the client's
# address, so that domains below it (jobs) can record their admin actions too.
ActorSource = Callable[[web.Request], AuditActor]
_actor_source_key: web.AppKey[ActorSource] = web.AppKey("audit_actor_source")


def set_actor_source(app: web.Application, source: ActorSource) -> None:
    app[_actor_source_key] = source


def request_actor(request: web.Request) -> AuditActor:
    """The signed-in user making this request, with the client's address (SYSTEM when unknown)."""
    source = request.app.get(_actor_source_key)
    return SYSTEM if source is None else source(request)


async def audit_request(
    request: web.Request, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> None:
    """Record an admin action made by this request's caller."""
    await record_audit(request.app[db_key], request_actor(request), action, target, detail)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: float
    actor_id: int | None
    actor_name: str
    address: str
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)


def _values(actor: AuditActor, action: str, target: str, detail: dict[str, Any] | None) -> dict:
    return {
        "at": time.time(),
        "actor_id": actor.user_id,
        "actor_name": actor.name[:64],
        "address": actor.address[:64],
        "action": action[:64],
        "target": target[:255],
        "detail": json.dumps(detail or {}, default=str, sort_keys=True),
    }


async def record_audit_in(
    conn: AsyncConnection,
    actor: AuditActor,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Record inside the caller's transaction, so the entry exists exactly when the change does."""
    await conn.execute(sa.insert(audit_log).values(_values(actor, action, target, detail)))


async def record_audit(
    db: Database,
    actor: AuditActor,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    async with db.write() as conn:
        await record_audit_in(conn, actor, action, target, detail)


def _entry(row: sa.Row) -> AuditEntry:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {}
    return AuditEntry(
        row.id, row.at, row.actor_id, row.actor_name, row.address, row.action, row.target,
        detail if isinstance(detail, dict) else {},
    )


async def list_audit(
    db: Database,
    *,
    query: str = "",
    action: str = "",
    since: float | None = None,
    until: float | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Newest first; `query` matches the actor, the target or the details (case-insensitive)."""
    stmt = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(audit_log.c.actor_name).like(like),
                sa.func.lower(audit_log.c.target).like(like),
                sa.func.lower(audit_log.c.detail).like(like),
            )
        )
    if action:
        stmt = stmt.where(audit_log.c.action.startswith(action, autoescape=True))
    if since is not None:
        stmt = stmt.where(audit_log.c.at >= since)
    if until is not None:
        stmt = stmt.where(audit_log.c.at < until)
    if before_id is not None:
        stmt = stmt.where(audit_log.c.id < before_id)
    async with db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return [_entry(row) for row in rows]
