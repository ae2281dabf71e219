"""Skip markers (Skip Intro / Skip Credits) of a media file.

An admin's markers (media_markers rows with source "admin") win; otherwise they come from the
file's chapter names (Intro, Opening, OP, Recap, Previously; Credits, End Credits, Ending, ED,
Outro). The credits start also starts the next-episode countdown.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

import sqlalchemy as sa

from mediaserver.db.catalog_schema import chapters, media_files
from mediaserver.db.engine import Database
from mediaserver.db.upsert import upsert
from mediaserver.db.viewer_schema import MARKER_KINDS, media_markers
from mediaserver.errors import BadRequest, NotFound

_INTRO = re.compile(
    r"(intro(duction)?|opening( credits| titles| theme| song)?|op|recap|previously( on.*)?|"
    r"title sequence|cold open)"
)
_CREDITS = re.compile(
    r"(credits|end ?credits|closing( credits)?|ending( credits| theme| song)?|ed|outro)"
)
MarkerKind = Literal["intro", "credits"]
MarkerSource = Literal["chapter", "admin", "detected"]


@dataclass(frozen=True, slots=True)
class Marker:
    start: float
    end: float
    source: MarkerSource


@dataclass(frozen=True, slots=True)
class FileMarkers:
    """A file's effective skip markers; None where it has none of that kind."""

    intro: Marker | None = None
    credits: Marker | None = None

    def as_json(self) -> dict[str, dict[str, Any] | None]:
        return asdict(self)


_TIME = re.compile(r"(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2}(?:\.\d{1,3})?)|(\d{1,6}(?:\.\d{1,3})?)")


def chapter_kind(name: str | None) -> MarkerKind | None:
    """'intro', 'credits' or None for a chapter title ("Opening", "ED", "Chapter 3" ...)."""
    if not name:
        return None
    text = re.sub(r"[^a-z ]+", " ", name.lower())
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" \d+$", "", text)
    if _INTRO.fullmatch(text):
        return "intro"
    if _CREDITS.fullmatch(text):
        return "credits"
    return None


def markers_from_chapters(
    rows: list[tuple[str | None, float, float | None]], duration: float | None
) -> dict[str, dict[str, Any]]:
    """Markers from (title, start, end) chapters in order. Adjacent intro-like chapters (a recap
    then the opening) make one span; credits run from the first credits chapter to its end."""
    found: dict[str, dict[str, Any]] = {}
    for i, (name, start, end) in enumerate(rows):
        kind = chapter_kind(name)
        if kind is None:
            continue
        stop = end
        if stop is None:
            stop = rows[i + 1][1] if i + 1 < len(rows) else duration
        if stop is None or stop <= start:
            continue
        previous = found.get(kind)
        if previous is None:
            found[kind] = {"start": start, "end": stop, "source": "chapter"}
        elif kind == "intro" and abs(previous["end"] - start) < 1.0:
            previous["end"] = stop
    return found


def parse_time(raw: Any, name: str) -> float | None:
    """Seconds from "83", "83.5", "1:23" or "1:02:03"; None when empty; 400 otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise BadRequest(f"'{name}' must be a time like 1:23 or a number of seconds.", field=name)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        match = _TIME.fullmatch(str(raw).strip())
        if match is None:
            raise BadRequest(
                f"'{name}' must be a time like 1:23 or a number of seconds.", field=name
            )
        if match.group(4) is not None:
            value = float(match.group(4))
        else:
            hours = int(match.group(1) or 0)
            value = hours * 3600 + int(match.group(2)) * 60 + float(match.group(3))
    if not math.isfinite(value) or value < 0 or value > 48 * 3600:
        raise BadRequest(f"'{name}' must be between 0 and 48 hours.", field=name)
    return value


async def get_markers(db: Database, media_file_id: int) -> FileMarkers:
    """The file's effective markers; 404 for no file."""
    found = await markers_of(db, [media_file_id])
    if media_file_id not in found:
        raise NotFound("No such media file.")
    return found[media_file_id]


async def markers_of(db: Database, file_ids: list[int]) -> dict[int, FileMarkers]:
    """The effective markers of each existing file among `file_ids`, in three queries."""
    mm = media_markers
    async with db.read() as conn:
        durations = dict(
            (
                await conn.execute(
                    sa.select(media_files.c.id, media_files.c.duration_seconds).where(
                        media_files.c.id.in_(file_ids)
                    )
                )
            ).all()
        )
        stored = (
            await conn.execute(
                sa.select(
                    mm.c.media_file_id, mm.c.kind, mm.c.start_seconds, mm.c.end_seconds, mm.c.source
                ).where(mm.c.media_file_id.in_(file_ids))
            )
        ).all()
        chapter_rows = (
            await conn.execute(
                sa.select(
                    chapters.c.media_file_id,
                    chapters.c.title,
                    chapters.c.start_seconds,
                    chapters.c.end_seconds,
                )
                .where(chapters.c.media_file_id.in_(file_ids))
                .order_by(chapters.c.media_file_id, chapters.c.position)
            )
        ).all()
    spans: dict[int, dict[str, Marker | None]] = {}
    for fid, duration in durations.items():
        rows = [(r.title, r.start_seconds, r.end_seconds) for r in chapter_rows if r[0] == fid]
        found = markers_from_chapters(rows, duration)
        spans[fid] = {k: Marker(m["start"], m["end"], "chapter") for k, m in found.items()}
    # Stored rows override chapter names; an admin's row overrides a stored chapter row.
    for row in sorted(stored, key=lambda r: r.source == "admin"):
        if row.media_file_id in spans:
            marker = Marker(row.start_seconds, row.end_seconds, row.source)
            spans[row.media_file_id][row.kind] = marker
    return {fid: FileMarkers(**found) for fid, found in spans.items()}


async def set_marker(db: Database, media_file_id: int, kind: str, start: float, end: float) -> None:
    """An admin's marker for this file (replaces any other of the same kind)."""
    if kind not in MARKER_KINDS:
        raise BadRequest("A marker is 'intro' or 'credits'.", field="kind")
    if end <= start:
        raise BadRequest(f"The {kind} must end after it starts.", field=f"{kind}_end")
    now = time.time()
    async with db.write() as conn:
        duration = (
            await conn.execute(
                sa.select(media_files.c.duration_seconds).where(media_files.c.id == media_file_id)
            )
        ).first()
        if duration is None:
            raise NotFound("No such media file.")
        if duration[0] and start >= duration[0]:
            raise BadRequest(f"The {kind} starts after the end of the file.", field=f"{kind}_start")
        end = min(end, duration[0]) if duration[0] else end
        mm = media_markers
        values = {"start_seconds": start, "end_seconds": end, "source": "admin", "updated_at": now}
        await upsert(
            conn,
            mm,
            [mm.c.media_file_id, mm.c.kind],
            {"media_file_id": media_file_id, "kind": kind} | values,
            values,
        )


async def set_detected_marker(
    db: Database, media_file_id: int, kind: MarkerKind, span: tuple[float, float] | None
) -> bool:
    """Write (or, with None, remove) a marker found by detection, unless an admin's marker of
    that kind is there; True when it changed the file's markers."""
    mm = media_markers
    now = time.time()
    async with db.write() as conn:
        source = await conn.scalar(
            sa.select(mm.c.source).where(mm.c.media_file_id == media_file_id, mm.c.kind == kind)
        )
        if source == "admin":
            return False
        if span is None:
            await conn.execute(
                mm.delete().where(
                    mm.c.media_file_id == media_file_id, mm.c.kind == kind, mm.c.source != "admin"
                )
            )
            return source is not None
        values = {"start_seconds": span[0], "end_seconds": span[1], "source": "detected",
                  "updated_at": now}  # fmt: skip
        await upsert(
            conn, mm, [mm.c.media_file_id, mm.c.kind],
            {"media_file_id": media_file_id, "kind": kind} | values, values,
        )  # fmt: skip
        return True


async def clear_marker(db: Database, media_file_id: int, kind: str) -> None:
    """Remove an admin's marker; markers from chapter names apply again."""
    async with db.write() as conn:
        await conn.execute(
            media_markers.delete().where(
                media_markers.c.media_file_id == media_file_id,
                media_markers.c.kind == kind,
                media_markers.c.source == "admin",
            )
        )


async def apply_admin_form(db: Database, media_file_id: int, data: dict[str, Any]) -> None:
    """Set or clear intro and credits from fields <kind>_start / <kind>_end (empty or null:
    clear); a kind with neither field present is left as it is."""
    spans: dict[str, tuple[float | None, float | None]] = {}
    for kind in MARKER_KINDS:
        if f"{kind}_start" not in data and f"{kind}_end" not in data:
            continue
        start = parse_time(data.get(f"{kind}_start"), f"{kind}_start")
        end = parse_time(data.get(f"{kind}_end"), f"{kind}_end")
        if (start is None) != (end is None):
            raise BadRequest(f"Give both the start and the end of the {kind}, or neither.")
        spans[kind] = (start, end)
    for kind, (start, end) in spans.items():
        if start is None or end is None:
            await clear_marker(db, media_file_id, kind)
        else:
            await set_marker(db, media_file_id, kind, start, end)
