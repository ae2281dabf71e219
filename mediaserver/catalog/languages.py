"""Audio and subtitle languages of titles, grouped by language (files say "eng" or "en")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.catalog.browse import playable_file
from mediaserver.db.catalog_schema import media_files, media_streams, subtitle_tracks
from mediaserver.media.languages import bcp47, display_name

Kind = Literal["audio", "subtitle"]


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # primary tag: "en"
    name: str  # "English"


def primary_tag(code: str | None) -> str | None:
    """'eng' -> 'en', 'pt-BR' -> 'pt'; None for unknown or malformed codes."""
    tag = bcp47(code)
    return tag.split("-")[0] if tag else None


def language_list(codes: Iterable[str | None]) -> list[Language]:
    """The languages of these codes by name, each once ("eng" and "en" are one)."""
    found = {tag: display_name(tag) for c in codes if (tag := primary_tag(c))}
    return [Language(k, v) for k, v in sorted(found.items(), key=lambda kv: kv[1])]


def _column(kind: Kind) -> tuple[sa.Table, sa.ColumnElement[bool]]:
    if kind == "audio":
        return media_streams, media_streams.c.kind == "audio"
    return subtitle_tracks, sa.true()


async def raw_codes(conn: AsyncConnection, kind: Kind) -> list[str]:
    """Every language code stored for this kind of track (a short list in practice)."""
    table, cond = _column(kind)
    query = sa.select(table.c.language).where(cond, table.c.language.is_not(None)).distinct()
    return [c for c in (await conn.execute(query)).scalars() if c]


async def codes_for(conn: AsyncConnection, kind: Kind, tag: str) -> list[str]:
    """The stored codes that mean language `tag` ("en" -> ["en", "eng"])."""
    return [c for c in await raw_codes(conn, kind) if primary_tag(c) == tag]


def has_language(kind: Kind, codes: list[str], file_owner: sa.ColumnElement[bool]) -> sa.Exists:
    """EXISTS a playable file matching `file_owner` with a track in one of `codes`."""
    table, cond = _column(kind)
    return (
        sa.select(table.c.id)
        .join(media_files, media_files.c.id == table.c.media_file_id)
        .where(
            cond,
            table.c.language.in_(codes),
            media_files.c.status == "ok",
            media_files.c.removed_at.is_(None),
            file_owner,
        )
        .exists()
    )


async def title_languages(conn: AsyncConnection, title_id: int, kind: Kind) -> list[Language]:
    """Languages of one title's playable files (all episodes of a series)."""
    table, cond = _column(kind)
    query = (
        sa.select(table.c.language)
        .join(media_files, media_files.c.id == table.c.media_file_id)
        .where(
            cond,
            media_files.c.title_id == title_id,
            *playable_file(),
        )
        .distinct()
    )
    return language_list((await conn.execute(query)).scalars())
