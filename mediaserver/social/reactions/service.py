"""Reaction and moment use cases: rights (the profile may watch the file, else 404), the
per-minute limits (429 with Retry-After), the strip, and deleting moments (own, or an admin's)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import may_watch_file
from mediaserver.db.social_reactions_schema import moments, reactions
from mediaserver.errors import NotFound, TooManyRequests
from mediaserver.keys import config_key, db_key
from mediaserver.social.reactions import store
from mediaserver.social.reactions.records import (
    EMOJIS,
    STRIP_BUCKETS,
    Moment,
    Reaction,
    Strip,
    Unprocessable,
)
from mediaserver.social.reactions.text import clean_moment, smooth

GONE = "No such title, or not one you may watch."
MOMENTS_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Viewer:
    profile: Profile
    is_admin: bool = False


async def _watchable(app: web.Application, profile: Profile, media_file_id: int) -> float:
    """The file's duration (0 when unknown); 404 when this profile may not watch it."""
    db = app[db_key]
    if not await may_watch_file(db, profile, media_file_id):
        raise NotFound(GONE)
    async with db.read() as conn:
        return float(await store.duration_of(conn, media_file_id) or 0.0)


def _position(value: float, duration: float) -> float:
    if not math.isfinite(value) or value < 0 or (duration and value > duration + 1):
        raise Unprocessable("'position' is outside the title.", field="position")
    return value


async def _limit(conn: AsyncConnection, table: sa.Table, profile_id: int, per_minute: int,
                 what: str, at: float) -> None:  # fmt: skip
    count, first = await store.recent(conn, table, profile_id, at - 60)
    if count >= per_minute:
        wait = max(1, math.ceil(first + 60 - at))
        raise TooManyRequests(
            f"At most {per_minute} {what} a minute; try again in {wait} s.", retry_after=wait
        )


async def react(app: web.Application, profile: Profile, media_file_id: int, position: float,
                emoji: str) -> Reaction:  # fmt: skip
    """Record a reaction at a playback position (repeats within one second count once)."""
    duration = await _watchable(app, profile, media_file_id)
    second = int(_position(position, duration))
    if emoji not in EMOJIS:
        raise Unprocessable(f"'emoji' must be one of {' '.join(EMOJIS)}.", field="emoji")
    at = store.now()
    per_minute = app[config_key].social.reactions_per_minute
    async with app[db_key].write() as conn:
        await _limit(conn, reactions, profile.id, per_minute, "reactions", at)
        counted = await store.add_reaction(conn, profile.id, media_file_id, second, emoji, at)
    return Reaction(media_file_id, second, emoji, counted)


async def strip(app: web.Application, profile: Profile, media_file_id: int) -> Strip:
    """Where the title's reactions cluster: STRIP_BUCKETS buckets over its runtime (one a
    second for a title shorter than that)."""
    duration = await _watchable(app, profile, media_file_id)
    async with app[db_key].read() as conn:
        if duration <= 0:  # unknown runtime: span what was reacted to
            duration = float(await store.last_second(conn, media_file_id) + 1)
        # Reactions are kept per whole second, so a bucket is never shorter than one.
        bucket_seconds = max(1.0, duration / STRIP_BUCKETS)
        buckets = max(1, math.ceil(duration / bucket_seconds))
        counts = await store.bucket_counts(conn, media_file_id, bucket_seconds, buckets)
    return Strip(duration, bucket_seconds, counts, smooth(counts), sum(counts))


async def moments_of(app: web.Application, profile: Profile, media_file_id: int) -> list[Moment]:
    await _watchable(app, profile, media_file_id)
    async with app[db_key].read() as conn:
        return await store.moments_of(conn, media_file_id, profile.id, MOMENTS_LIMIT)


async def add_moment(app: web.Application, profile: Profile, media_file_id: int,
                     position: float, raw_text: object) -> Moment:  # fmt: skip
    """A comment at a playback position (counted against `comments_per_minute`)."""
    duration = await _watchable(app, profile, media_file_id)
    position = _position(position, duration)
    text = clean_moment(raw_text)
    at = store.now()
    per_minute = app[config_key].social.comments_per_minute
    async with app[db_key].write() as conn:
        await _limit(conn, moments, profile.id, per_minute, "comments", at)
        new_id = await store.add_moment(conn, {
            "user_id": profile.user_id, "profile_id": profile.id, "media_file_id": media_file_id,
            "position_seconds": position, "text": text, "created_at": at,
        })  # fmt: skip
        found = await store.one_moment(conn, new_id, profile.id)
    assert found is not None
    return found


async def delete_moment(app: web.Application, viewer: Viewer, moment_id: int) -> Moment:
    """Delete my moment (an admin: anyone's); 404 for another's, nothing changed."""
    async with app[db_key].write() as conn:
        found = await store.one_moment(conn, moment_id, viewer.profile.id)
        if found is None or not (found.mine or viewer.is_admin):
            raise NotFound("No such comment of yours.")
        await store.delete_moment(conn, moment_id)
    return found
