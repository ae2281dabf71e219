"""Titles for admins: look up, list and search, edit by hand (edits lock the fields against scans),
and the media info of a title's files (container, streams, subtitles, chapters).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from mediaserver.accounts import RATINGS
from mediaserver.db.catalog_schema import (
    chapters,
    genres,
    media_files,
    media_streams,
    subtitle_tracks,
    title_genres,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump_title_files
from mediaserver.db.search import search_title_ids
from mediaserver.errors import BadRequest, NotFound
from mediaserver.library.scan.catalog_tags import TagCache, reindex_titles
from mediaserver.library.scan.naming_rules import sort_title
from mediaserver.safe_paths import display_path, from_db_path

EDITABLE = ("title", "year", "genres", "description", "maturity_rating")
TitleKind = Literal["movie", "series"]
TITLE_KINDS: tuple[TitleKind, ...] = ("movie", "series")
LIST_LIMIT = 200
_TITLE_COLUMNS = (
    titles.c.id,
    titles.c.library_id,
    titles.c.kind,
    titles.c.title,
    titles.c.sort_title,
    titles.c.original_title,
    titles.c.year,
    titles.c.description,
    titles.c.tagline,
    titles.c.maturity_rating,
    titles.c.community_rating,
    titles.c.runtime_seconds,
    titles.c.provider_ids,
    titles.c.locked_fields,
    titles.c.added_at,
    titles.c.updated_at,
    titles.c.removed_at,
)


@dataclass(frozen=True, slots=True)
class TitleFilter:
    """What the titles list is narrowed to: a search, a library, a kind (unchecked yet)."""

    q: str
    library_id: int | None
    kind: str | None


def _query_int(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name, "")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadRequest(f"'{name}' must be a number.", field=name)
    return int(raw)


def query_filters(query: Mapping[str, str]) -> TitleFilter:
    """The filters of the titles page and API from a query string."""
    return TitleFilter(
        q=query.get("q", "")[:200],
        library_id=_query_int(query, "library_id"),
        kind=query.get("kind") or None,
    )


async def _genres_of(conn: Any, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await conn.execute(
        sa.select(title_genres.c.title_id, genres.c.name)
        .join(genres, genres.c.id == title_genres.c.genre_id)
        .where(title_genres.c.title_id.in_(ids))
        .order_by(genres.c.name)
    )
    for tid, name in rows:
        out[tid].append(name)
    return out


@dataclass(frozen=True, slots=True)
class AdminTitle:
    """A title as admins see and edit it (removed ones too), with its genres."""

    id: int
    library_id: int
    kind: TitleKind
    title: str
    sort_title: str
    original_title: str | None
    year: int | None
    description: str
    tagline: str | None
    maturity_rating: str | None
    community_rating: float | None
    runtime_seconds: float | None
    provider_ids: dict[str, str]
    locked_fields: list[str]
    added_at: float
    updated_at: float
    removed_at: float | None
    genres: list[str]


def _title_of(row: Any, genre_names: list[str]) -> AdminTitle:
    data = dict(row._mapping)
    data["locked_fields"] = list(data["locked_fields"] or [])
    data["provider_ids"] = dict(data["provider_ids"] or {})
    return AdminTitle(**data, genres=genre_names)


async def get_title(db: Database, title_id: int) -> AdminTitle:
    async with db.read() as conn:
        stmt = sa.select(*_TITLE_COLUMNS).where(titles.c.id == title_id)
        row = (await conn.execute(stmt)).first()
        if row is None:
            raise NotFound("No such title.")
        names = await _genres_of(conn, [title_id])
    return _title_of(row, names[title_id])


async def list_titles(
    db: Database,
    query: str = "",
    library_id: int | None = None,
    kind: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[AdminTitle]:
    """Visible titles (not removed), filtered; a query searches title, description and cast."""
    if kind is not None and kind not in TITLE_KINDS:
        raise BadRequest(f"kind must be one of: {', '.join(TITLE_KINDS)}.", field="kind")
    cond = [titles.c.removed_at.is_(None)]
    if library_id is not None:
        cond.append(titles.c.library_id == library_id)
    if kind is not None:
        cond.append(titles.c.kind == kind)
    async with db.read() as conn:
        if query.strip():
            ids = await search_title_ids(conn, query, limit=1000)
            if not ids:
                return []
            rows = (
                await conn.execute(sa.select(*_TITLE_COLUMNS).where(*cond, titles.c.id.in_(ids)))
            ).all()
            rank = {tid: i for i, tid in enumerate(ids)}
            rows.sort(key=lambda r: rank[r.id])
            rows = rows[:limit]
        else:
            rows = (
                await conn.execute(
                    sa.select(*_TITLE_COLUMNS)
                    .where(*cond)
                    .order_by(titles.c.sort_title, titles.c.id)
                    .limit(limit)
                )
            ).all()
        names = await _genres_of(conn, [r.id for r in rows])
    return [_title_of(r, names[r.id]) for r in rows]


def parse_edit(data: dict[str, Any]) -> dict[str, Any]:
    """The edited fields, checked; unknown fields are refused (no mass assignment)."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise BadRequest(
            f"Only {', '.join(EDITABLE)} can be changed; not: {', '.join(unknown)}.",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    if "title" in data:
        title = data["title"]
        if not isinstance(title, str) or not title.strip() or len(title) > 500:
            raise BadRequest("The title must be 1 to 500 characters.", field="title")
        out["title"] = " ".join(title.split())
    if "year" in data:
        year = data["year"]
        if year in (None, ""):
            out["year"] = None
        else:
            try:
                value = int(str(year).strip())
            except ValueError:
                raise BadRequest("The year must be a number.", field="year") from None
            if not 1870 <= value <= 2100:
                raise BadRequest("The year must be between 1870 and 2100.", field="year")
            out["year"] = value
    if "description" in data:
        text = data["description"]
        if text is None:
            text = ""
        if not isinstance(text, str) or len(text) > 20_000:
            raise BadRequest("The description must be text of at most 20,000 characters.",
                             field="description")  # fmt: skip
        out["description"] = text.replace("\r\n", "\n").strip()
    if "maturity_rating" in data:
        rating = data["maturity_rating"] or None
        if rating is not None and rating not in RATINGS:
            raise BadRequest(f"Maturity rating must be one of: {', '.join(RATINGS)}.",
                             field="maturity_rating")  # fmt: skip
        out["maturity_rating"] = rating
    if "genres" in data:
        out["genres"] = _genre_list(data["genres"])
    return out


def _genre_list(value: Any) -> list[str]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise BadRequest("Genres must be a comma-separated list.", field="genres")
    names = list(dict.fromkeys(" ".join(i.split()) for i in items if i.strip()))
    if len(names) > 20 or any(len(n) > 80 for n in names):
        raise BadRequest("At most 20 genres of up to 80 characters each.", field="genres")
    return names


async def update_title(db: Database, title_id: int, changes: dict[str, Any]) -> AdminTitle:
    """Apply checked edits; every edited field is locked so scans never overwrite it."""
    async with db.write() as conn:
        row = (
            await conn.execute(sa.select(titles.c.locked_fields).where(titles.c.id == title_id))
        ).first()
        if row is None:
            raise NotFound("No such title.")
        locked = sorted(set(row.locked_fields or []) | set(changes))
        values = {k: v for k, v in changes.items() if k != "genres"}
        if "title" in values:
            values["sort_title"] = sort_title(values["title"])
        await conn.execute(
            titles.update()
            .where(titles.c.id == title_id)
            .values(locked_fields=locked, updated_at=time.time(), **values)
        )
        if "genres" in changes:
            await TagCache().set_genres(conn, title_id, changes["genres"])
        if "maturity_rating" in changes:  # profiles it now exceeds must stop playing it
            await bump_title_files(conn, [title_id])
        await reindex_titles(conn, [title_id])
    return await get_title(db, title_id)


async def edit_from_form(db: Database, title_id: int, fields: dict[str, Any]) -> None:
    """Save the edit form: only what the admin changed is saved (and locked); untouched fields
    keep following the scans."""
    title = await get_title(db, title_id)
    changes = {k: v for k, v in parse_edit(fields).items() if v != getattr(title, k)}
    if changes:
        await update_title(db, title_id, changes)


async def title_files(db: Database, title_id: int) -> list[dict[str, Any]]:
    """Media info of every file of the title: the file, its streams, subtitles and chapters."""
    mf = media_files
    async with db.read() as conn:
        files = [
            dict(r._mapping)
            for r in await conn.execute(
                sa.select(
                    mf.c.id,
                    mf.c.display_path,
                    mf.c.size,
                    mf.c.status,
                    mf.c.error,
                    mf.c.part,
                    mf.c.extra_kind,
                    mf.c.episode_id,
                    mf.c.container,
                    mf.c.duration_seconds,
                    mf.c.bitrate,
                    mf.c.probed_at,
                )
                .where(mf.c.title_id == title_id)
                .order_by(mf.c.extra_kind.is_not(None), mf.c.part, mf.c.display_path)
            )
        ]
        ids = [f["id"] for f in files]
        streams = await _children(conn, media_streams, ids, media_streams.c.stream_index)
        subs = await _children(conn, subtitle_tracks, ids, subtitle_tracks.c.id)
        chaps = await _children(conn, chapters, ids, chapters.c.position)
    for f in files:
        f["streams"] = streams.get(f["id"], [])
        f["subtitles"] = [_public_sub(s) for s in subs.get(f["id"], [])]
        f["chapters"] = chaps.get(f["id"], [])
    return files


def _public_sub(sub: dict[str, Any]) -> dict[str, Any]:
    # A sidecar's file name is enough; the absolute path stays on the server.
    path = sub.pop("path", None)
    sub["file_name"] = display_path(from_db_path(path)).rsplit("/", 1)[-1] if path else None
    return sub


async def _children(
    conn: Any, table: sa.Table, ids: list[int], order: sa.ColumnElement[Any]
) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    rows = await conn.execute(
        sa.select(table)
        .where(table.c.media_file_id.in_(ids))
        .order_by(table.c.media_file_id, order)
    )
    for r in rows:
        data = dict(r._mapping)
        data.pop("media_file_id")
        data.pop("id", None)
        out.setdefault(r.media_file_id, []).append(data)
    return out
