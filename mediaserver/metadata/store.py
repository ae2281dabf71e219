"""Queries of the metadata domain: titles to match, their match rows, failures; rows become
frozen records here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mediaserver.db.catalog_schema import episodes, images, media_files, people, seasons, titles
from mediaserver.db.catalog_schema import libraries as libraries_t
from mediaserver.db.engine import Database
from mediaserver.db.providers_schema import (
    metadata_matches,
    person_photos,
    provider_cache,
    provider_failures,
    provider_images,
)
from mediaserver.db.upsert import upsert
from mediaserver.library import ids_in_name

MAX_FAILURES = 500


@dataclass(frozen=True, slots=True)
class TitleRow:
    id: int
    library_id: int
    kind: str
    title: str
    year: int | None
    provider_ids: dict[str, str]
    locked: frozenset[str]
    source_key: str

    def known_ids(self) -> dict[str, str]:
        """Its ids (NFO and names); a series without any: those in its folder names
        (`{tvdb-...}`, `[imdbid-...]`), which the scan keeps only from a tvshow.nfo."""
        if self.provider_ids or self.kind != "series" or not self.source_key.startswith("series:"):
            return self.provider_ids
        found: dict[str, str] = {}
        for part in reversed(self.source_key.removeprefix("series:").split("/")):
            for k, v in ids_in_name(part)[1].items():
                found.setdefault(k, v)
        return found


@dataclass(frozen=True, slots=True)
class MatchRow:
    title_id: int
    status: str
    provider: str | None
    provider_id: str | None
    method: str | None
    confidence: float | None
    candidate_title: str | None
    candidate_year: int | None
    error: str | None
    prefer_provider: bool
    written: dict[str, Any]
    updated_at: float


@dataclass(frozen=True, slots=True)
class PendingMatch:
    """A match waiting for an admin, or one that failed, with its title."""

    match: MatchRow
    title: str
    year: int | None
    kind: str
    library: str


@dataclass(frozen=True, slots=True)
class Failure:
    provider: str
    title_id: int | None
    title: str | None
    message: str
    at: float


def _match(row: Any) -> MatchRow:
    return MatchRow(row.title_id, row.status, row.provider, row.provider_id, row.method,
                    row.confidence, row.candidate_title, row.candidate_year, row.error,
                    bool(row.prefer_provider), dict(row.written or {}), row.updated_at)  # fmt: skip


async def title_row(db: Database, title_id: int) -> TitleRow | None:
    async with db.read() as conn:
        r = (
            await conn.execute(
                sa.select(titles.c.id, titles.c.library_id, titles.c.kind, titles.c.title,
                          titles.c.year, titles.c.provider_ids, titles.c.locked_fields,
                          titles.c.source_key)
                .where(titles.c.id == title_id, titles.c.removed_at.is_(None))
            )
        ).first()  # fmt: skip
    if r is None:
        return None
    ids = {str(k): str(v) for k, v in (r.provider_ids or {}).items()}
    locked = frozenset(r.locked_fields or ())
    return TitleRow(r.id, r.library_id, r.kind, r.title, r.year, ids, locked, r.source_key)


async def match_row(db: Database, title_id: int) -> MatchRow | None:
    async with db.read() as conn:
        r = (
            await conn.execute(
                sa.select(metadata_matches).where(metadata_matches.c.title_id == title_id)
            )
        ).first()
    return _match(r) if r is not None else None


async def save_match(db: Database, title_id: int, **values: Any) -> None:
    values = {"updated_at": time.time(), **values}
    insert = {"written": {}, "status": "unmatched", **values, "title_id": title_id}
    async with db.write() as conn:
        await upsert(conn, metadata_matches, [metadata_matches.c.title_id], insert, values)


async def record_failure(db: Database, provider: str, title_id: int | None, message: str) -> None:
    now = time.time()
    async with db.write() as conn:
        await conn.execute(
            provider_failures.insert().values(
                provider=provider, title_id=title_id, message=message[:1000], at=now
            )
        )


async def claim_titles_of_files(db: Database, file_ids: list[int], now: float) -> list[int]:
    """Titles of these new or changed files that need a refresh: those never looked at (a
    placeholder row marks them, so the next scan batch does not queue them again) and series
    last refreshed over a minute ago (their new episodes want names)."""
    async with db.write() as conn:
        rows = (
            await conn.execute(
                sa.select(media_files.c.title_id, titles.c.kind, metadata_matches.c.status,
                          metadata_matches.c.updated_at)
                .distinct()
                .join(titles, titles.c.id == media_files.c.title_id)
                .outerjoin(metadata_matches, metadata_matches.c.title_id == titles.c.id)
                .where(media_files.c.id.in_(file_ids))
            )
        ).all()  # fmt: skip
        new = sorted({r[0] for r in rows if r.status is None})
        stale = {
            r[0] for r in rows
            if r.kind == "series" and r.status == "matched" and (r.updated_at or 0) < now - 60
        }  # fmt: skip
        if new:
            await conn.execute(
                metadata_matches.insert(),
                [{"title_id": i, "status": "unmatched", "written": {}, "updated_at": 0.0}
                 for i in new],
            )  # fmt: skip
    return sorted(set(new) | stale)


async def titles_of_library(db: Database, library_id: int) -> list[int]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(titles.c.id).where(
                titles.c.library_id == library_id, titles.c.removed_at.is_(None)
            )
        )
        return sorted(r[0] for r in rows)


async def episode_numbers(db: Database, series_id: int) -> list[tuple[int, int]]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(episodes.c.season_number, episodes.c.episode_number).where(
                episodes.c.series_id == series_id, episodes.c.removed_at.is_(None)
            )
        )
        return [(r[0], r[1]) for r in rows]


async def has_poster(db: Database, title_id: int) -> bool:
    async with db.read() as conn:
        found = await conn.scalar(
            sa.select(images.c.id).where(
                images.c.title_id == title_id, images.c.kind == "poster",
                images.c.is_selected.is_(True), images.c.season_id.is_(None),
                images.c.episode_id.is_(None),
            ).limit(1)
        )  # fmt: skip
    return found is not None


async def pending(db: Database, status: tuple[str, ...], limit: int = 200) -> list[PendingMatch]:
    query = (
        sa.select(metadata_matches, titles.c.title, titles.c.year, titles.c.kind,
                  libraries_t.c.name.label("library"))
        .join(titles, titles.c.id == metadata_matches.c.title_id)
        .join(libraries_t, libraries_t.c.id == titles.c.library_id)
        .where(metadata_matches.c.status.in_(status), titles.c.removed_at.is_(None))
        .order_by(metadata_matches.c.confidence.desc().nulls_last(), titles.c.sort_title)
        .limit(limit)
    )  # fmt: skip
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [PendingMatch(_match(r), r.title, r.year, r.kind, r.library) for r in rows]


async def failures(db: Database, limit: int = 50) -> list[Failure]:
    query = (
        sa.select(provider_failures, titles.c.title)
        .outerjoin(titles, titles.c.id == provider_failures.c.title_id)
        .order_by(provider_failures.c.at.desc(), provider_failures.c.id.desc())
        .limit(limit)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [Failure(r.provider, r.title_id, r.title, r.message, r.at) for r in rows]


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(metadata_matches.c.status, sa.func.count()).group_by(
                metadata_matches.c.status
            )
        )
        return {r[0]: r[1] for r in rows}


async def due_for_refresh(db: Database, now: float) -> list[int]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(metadata_matches.c.title_id).where(
                metadata_matches.c.airing.is_(True),
                metadata_matches.c.status == "matched",
                metadata_matches.c.next_refresh_at <= now,
            )
        )
        return sorted(r[0] for r in rows)


async def art_languages_of_matched(db: Database) -> list[tuple[int, str | None]]:
    """(title id, languages its artwork was asked for) of every matched title."""
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(metadata_matches.c.title_id, metadata_matches.c.art_languages).where(
                metadata_matches.c.status == "matched"
            )
        )
        return [(r[0], r[1]) for r in rows]


async def purge(db: Database, now: float) -> int:
    """Expired cached answers and all but the newest failures."""
    async with db.write() as conn:
        gone = (
            await conn.execute(provider_cache.delete().where(provider_cache.c.expires_at < now))
        ).rowcount or 0
        keep = (
            sa.select(provider_failures.c.id)
            .order_by(provider_failures.c.id.desc())
            .limit(MAX_FAILURES)
        )
        gone += (
            await conn.execute(
                provider_failures.delete().where(provider_failures.c.id.not_in(keep))
            )
        ).rowcount or 0
    return gone


async def libraries(db: Database) -> list[tuple[int, str]]:
    """(id, name) of every library, for the refresh buttons."""
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(libraries_t.c.id, libraries_t.c.name).order_by(libraries_t.c.name)
        )
        return [(r[0], r[1]) for r in rows]


async def stored_sources(db: Database, title_id: int) -> set[str]:
    """Provider image URLs already stored for this title, its seasons and its episodes."""
    owned = sa.or_(
        images.c.title_id == title_id,
        images.c.season_id.in_(sa.select(seasons.c.id).where(seasons.c.series_id == title_id)),
        images.c.episode_id.in_(sa.select(episodes.c.id).where(episodes.c.series_id == title_id)),
    )
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(provider_images.c.source_url)
            .join(images, images.c.id == provider_images.c.image_id)
            .where(owned)
        )
        return {r[0] for r in rows}


async def people_with_photos(db: Database, keys: list[str]) -> set[str]:
    """Which of these people (by name key) already have a photo."""
    if not keys:
        return set()
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(people.c.name_key)
            .join(person_photos, person_photos.c.person_id == people.c.id)
            .where(people.c.name_key.in_(keys))
        )
        return {r[0] for r in rows}
