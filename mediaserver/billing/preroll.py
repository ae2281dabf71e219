"""The house clip Free accounts see before each title: which one the admin chose, the short
files it may be chosen from, and the source the player's pre-roll asks."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.billing.entitlements import standing
from mediaserver.db.billing_schema import billing_preroll
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.upsert import dialect_insert
from mediaserver.errors import BadRequest
from mediaserver.keys import config_key, db_key

MAX_CLIP_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class ClipChoice:
    """A short file the admin may choose as the pre-roll."""

    media_file_id: int
    name: str
    seconds: float
    chosen: bool


def _name() -> sa.ColumnElement[str]:
    return sa.func.coalesce(episodes.c.title, titles.c.title, media_files.c.display_path)


async def chosen_clip(db: Database) -> int | None:
    async with db.read() as conn:
        return await conn.scalar(sa.select(billing_preroll.c.media_file_id).limit(1))


async def clip_choices(db: Database) -> list[ClipChoice]:
    """Playable files of at most five minutes, by name (promos, trailers, uploaded clips)."""
    chosen = await chosen_clip(db)
    query = (
        sa.select(media_files.c.id, _name().label("name"), media_files.c.duration_seconds)
        .select_from(
            media_files.outerjoin(titles, titles.c.id == media_files.c.title_id).outerjoin(
                episodes, episodes.c.id == media_files.c.episode_id
            )
        )
        .where(
            media_files.c.status == "ok",
            media_files.c.removed_at.is_(None),
            media_files.c.duration_seconds > 0,
            media_files.c.duration_seconds <= MAX_CLIP_SECONDS,
        )
        .order_by(sa.text("name"))
        .limit(500)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [ClipChoice(r.id, r.name, float(r.duration_seconds), r.id == chosen) for r in rows]


async def choose_clip(db: Database, media_file_id: int | None) -> None:
    """Make this file the pre-roll (None: no pre-roll at all)."""
    if media_file_id is not None:
        allowed = {c.media_file_id for c in await clip_choices(db)}
        if media_file_id not in allowed:
            raise BadRequest(
                "Choose a playable file of at most five minutes as the pre-roll.",
                field="media_file_id",
            )
    values = {"media_file_id": media_file_id, "updated_at": time.time()}
    async with db.write() as conn:
        stmt = dialect_insert(conn, billing_preroll).values(id=1, **values)
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=[billing_preroll.c.id], set_=values)
        )


async def preroll_source(app: web.Application, user_id: int) -> int | None:
    """The clip this account sees first: only on a plan with pre-roll, billing on."""
    if not app[config_key].billing.enabled:
        return None
    db = app[db_key]
    clip = await chosen_clip(db)
    if clip is None:
        return None
    return clip if (await standing(app, db, user_id)).preroll else None
