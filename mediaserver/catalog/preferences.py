"""Player settings remembered per profile (table profile_preferences)."""

from __future__ import annotations

import contextlib
import math
import re
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.engine import Database
from mediaserver.db.upsert import upsert
from mediaserver.db.viewer_schema import profile_preferences
from mediaserver.errors import BadRequest

SubtitleSize = Literal["small", "medium", "large", "x-large"]
SubtitleBackground = Literal["none", "shadow", "translucent", "opaque"]
SUBTITLE_SIZES: tuple[SubtitleSize, ...] = get_args(SubtitleSize)
SUBTITLE_BACKGROUNDS: tuple[SubtitleBackground, ...] = get_args(SubtitleBackground)
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


@dataclass(frozen=True, slots=True)
class PlayerPreferences:
    """A profile's player settings; a new profile starts with these defaults."""

    volume: float = 1.0
    muted: bool = False
    subtitle_size: SubtitleSize = "medium"
    subtitle_background: SubtitleBackground = "translucent"
    subtitle_language: str | None = None  # None: subtitles off
    audio_language: str | None = None  # None: the file's default track
    speed: float = 1.0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


NAMES = tuple(f.name for f in fields(PlayerPreferences))
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def _check(name: str, value: Any) -> Any:
    if name == "volume":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRequest("'volume' must be a number from 0 to 1.", field=name)
        if not math.isfinite(value) or not 0 <= value <= 1:
            raise BadRequest("'volume' must be a number from 0 to 1.", field=name)
        return round(float(value), 3)
    if name == "muted":
        if not isinstance(value, bool):
            raise BadRequest("'muted' must be true or false.", field=name)
        return value
    if name == "speed":
        if isinstance(value, bool) or value not in SPEEDS:
            raise BadRequest(f"'speed' must be one of {', '.join(map(str, SPEEDS))}.", field=name)
        return float(value)
    if name == "subtitle_size":
        if value not in SUBTITLE_SIZES:
            raise BadRequest(f"'subtitle_size' must be one of {', '.join(SUBTITLE_SIZES)}.")
        return value
    if name == "subtitle_background":
        if value not in SUBTITLE_BACKGROUNDS:
            raise BadRequest(
                f"'subtitle_background' must be one of {', '.join(SUBTITLE_BACKGROUNDS)}."
            )
        return value
    # subtitle_language / audio_language: a language code, or null for off / default.
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise BadRequest(f"'{name}' must be a language code like 'en' or 'eng', or null.")
    return value


def parse_changes(data: dict[str, Any]) -> dict[str, Any]:
    """The settings in a PUT body, checked; unknown names are refused by name."""
    unknown = sorted(set(data) - set(NAMES))
    if unknown:
        raise BadRequest(f"Unknown player setting '{unknown[0]}'.", field=unknown[0])
    return {name: _check(name, value) for name, value in data.items()}


async def get_preferences(db: Database, profile_id: int) -> PlayerPreferences:
    async with db.read() as conn:
        return await _stored(conn, profile_id)


async def _stored(conn: AsyncConnection, profile_id: int, lock: bool = False) -> PlayerPreferences:
    query = sa.select(profile_preferences.c.player).where(
        profile_preferences.c.profile_id == profile_id
    )
    stored = (await conn.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    prefs: dict[str, Any] = {}
    if isinstance(stored, dict):
        # Values written by an older version that no longer pass the checks fall back to defaults.
        for name, value in stored.items():
            if name in NAMES:
                with contextlib.suppress(BadRequest):
                    prefs[name] = _check(name, value)
    return PlayerPreferences(**prefs)


async def update_preferences(
    db: Database, profile_id: int, changes: dict[str, Any]
) -> PlayerPreferences:
    """Merge the changes into the profile's settings; the full settings after the change.
    Read and write in one transaction (the row locked on PostgreSQL): two changes sent at once
    (speed, then subtitles) must both survive, not the later one overwrite the earlier."""
    pp = profile_preferences
    now = time.time()
    async with db.write() as conn:
        merged = replace(await _stored(conn, profile_id, lock=True), **changes)
        player = merged.as_json()
        await upsert(
            conn,
            pp,
            [pp.c.profile_id],
            {"profile_id": profile_id, "player": player, "updated_at": now},
            {"player": player, "updated_at": now},
        )
    return merged
