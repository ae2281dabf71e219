"""Writing what a provider knows into the catalog, in one transaction: the title's fields (never a
locked one, never one its NFO sets unless the admin prefers the provider), genres, cast and crew
with photos, studios, collection, ids, artwork, and for a series its seasons' and episodes' names,
overviews, air dates and stills (only where empty, or as the provider itself wrote them before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db import search_index
from mediaserver.db.catalog_schema import episodes, images, people, seasons, titles
from mediaserver.db.image_owner_lock import lock_image_owner
from mediaserver.db.providers_schema import (
    person_photos,
    provider_images,
    title_collections,
    title_studios,
)
from mediaserver.db.rights import bump_title_files
from mediaserver.library import TagCache, name_key, sort_title
from mediaserver.metadata.artwork import StoredImage
from mediaserver.metadata.pick import primary
from mediaserver.metadata.records import TitleInfo

OWN_ART = ("local", "upload")  # a file beside the media or an admin's upload beats a provider's


@dataclass(frozen=True, slots=True)
class Fetched:
    image: StoredImage
    url: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class TitleArt:
    """A title's poster, fanart or logo; `selected` for the server language's choice (the
    others are there for profiles with another language)."""

    kind: str
    fetched: Fetched
    selected: bool = True


@dataclass(slots=True)
class Artwork:
    """Images already checked and stored, by what they belong to."""

    title: list[TitleArt] = field(default_factory=list)
    seasons: dict[int, Fetched] = field(default_factory=dict)
    stills: dict[tuple[int, int], Fetched] = field(default_factory=dict)
    photos: dict[str, Fetched] = field(default_factory=dict)  # by person name


@dataclass(frozen=True, slots=True)
class Rules:
    locked: frozenset[str]
    nfo: frozenset[str]
    prefer_provider: bool
    written: dict[str, Any]

    def may(self, name: str) -> bool:
        return name not in self.locked and (self.prefer_provider or name not in self.nfo)


def _title_fields(info: TitleInfo, current: Any, rules: Rules) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "title": info.title[:500] or None,
        "original_title": info.original_title,
        "year": info.year,
        "description": info.overview,
        "tagline": info.tagline,
        "maturity_rating": info.maturity_rating,
        "community_rating": info.community_rating,
    }
    changes = {k: v for k, v in wanted.items() if v is not None and rules.may(k)}
    if "title" in changes and rules.may("sort_title"):
        changes["sort_title"] = sort_title(changes["title"])[:500]
    if info.runtime_seconds and current.runtime_seconds is None and rules.may("runtime_seconds"):
        changes["runtime_seconds"] = info.runtime_seconds
    return {k: v for k, v in changes.items() if getattr(current, k) != v}


async def apply_info(
    conn: AsyncConnection,
    title_id: int,
    info: TitleInfo,
    rules: Rules,
    art: Artwork,
    *,
    max_cast: int,
    admin_match: bool,
) -> dict[str, Any]:
    """Write `info` for the title; returns what the provider wrote (kept for the next refresh)."""
    now = time.time()
    current = (await conn.execute(sa.select(titles).where(titles.c.id == title_id))).one()
    changes = _title_fields(info, current, rules)
    old_ids = dict(current.provider_ids or {})
    ids = (
        {**old_ids, **info.ids} if admin_match or rules.prefer_provider else {**info.ids, **old_ids}
    )
    if ids != old_ids:
        changes["provider_ids"] = ids
    if "maturity_rating" in changes:
        await bump_title_files(conn, [title_id], now)
    if changes:
        await conn.execute(
            titles.update().where(titles.c.id == title_id).values(updated_at=now, **changes)
        )
    tags = TagCache()
    if info.genres and rules.may("genres"):
        await tags.set_genres(conn, title_id, list(info.genres))
    if info.credits and rules.may("people"):
        actors = [c for c in info.credits if c.role == "actor"][:max_cast]
        crew = [c for c in info.credits if c.role != "actor"][:10]
        await tags.set_people(
            conn, title_id, [(c.name, c.role, c.character) for c in actors + crew]
        )
        await _photos(conn, art, now)
    if info.studios and rules.may("studios"):
        await conn.execute(title_studios.delete().where(title_studios.c.title_id == title_id))
        await conn.execute(
            title_studios.insert(),
            [{"title_id": title_id, "position": i, "name": s[:200]}
             for i, s in enumerate(info.studios[:10])],
        )  # fmt: skip
    await conn.execute(title_collections.delete().where(title_collections.c.title_id == title_id))
    if info.collection is not None:
        await conn.execute(
            title_collections.insert().values(
                title_id=title_id, provider=info.provider,
                collection_id=info.collection[0][:64], name=info.collection[1][:500],
            )
        )  # fmt: skip
    for item in sorted(art.title, key=lambda a: (a.kind, not a.selected)):
        await _add_image(conn, item.fetched, item.kind, now, item.selected, title_id=title_id)
    written: dict[str, Any] = {k: v for k, v in changes.items() if k != "provider_ids"}
    if current.kind == "series":
        written["episodes"] = await _episodes(conn, title_id, info, art, rules, now)
        await _seasons(conn, title_id, info, art, rules, now)
    await search_index.reindex_titles(conn, [title_id])
    return written


async def _photos(conn: AsyncConnection, art: Artwork, now: float) -> None:
    for name, fetched in art.photos.items():
        person_id = await conn.scalar(
            sa.select(people.c.id).where(people.c.name_key == name_key(" ".join(name.split())))
        )
        if person_id is None:
            continue
        await conn.execute(person_photos.delete().where(person_photos.c.person_id == person_id))
        await conn.execute(
            person_photos.insert().values(
                person_id=person_id, location=fetched.image.location,
                source_url=fetched.url[:2000], created_at=now,
            )
        )  # fmt: skip


async def _add_image(
    conn: AsyncConnection,
    fetched: Fetched,
    kind: str,
    now: float,
    select: bool = True,
    **owner: int,
) -> None:
    """Add a stored provider image, selected (when `select`) unless the owner has its own
    (local/upload); one not selected waits for the profiles whose language it is in."""
    await lock_image_owner(conn, title_id=owner.get("title_id"), episode_id=owner.get("episode_id"))
    where = [getattr(images.c, k) == v for k, v in owner.items()]
    if "title_id" in owner:
        where += [images.c.season_id.is_(None), images.c.episode_id.is_(None)]
    same_kind = sa.and_(images.c.kind == kind, *where)
    existing = (
        await conn.execute(
            sa.select(images.c.location, images.c.source, images.c.is_selected).where(same_kind)
        )  # fmt: skip
    ).all()
    if any(r.location == fetched.image.location for r in existing):
        return
    own = any(r.source in OWN_ART and r.is_selected for r in existing)
    selected = select and not own
    if selected:
        await conn.execute(images.update().where(same_kind).values(is_selected=False))
    language = primary(fetched.language)[:12] or None
    image_id = (
        await conn.execute(
            images.insert()
            .values(kind=kind, source="provider", location=fetched.image.location,
                    width=fetched.image.width, height=fetched.image.height,
                    is_selected=selected, created_at=now, language=language, **owner)
            .returning(images.c.id)
        )
    ).scalar_one()  # fmt: skip
    await conn.execute(
        provider_images.insert().values(
            image_id=image_id, source_url=fetched.url[:2000], language=fetched.language
        )
    )


def _may_replace(current: Any, before: Any, rules: Rules, name: str, locked: frozenset) -> bool:
    if name in locked:
        return False
    return rules.prefer_provider or not current or current == before


async def _episodes(
    conn: AsyncConnection, series_id: int, info: TitleInfo, art: Artwork, rules: Rules, now: float
) -> dict[str, dict[str, str]]:
    rows = (
        await conn.execute(
            sa.select(episodes).where(
                episodes.c.series_id == series_id, episodes.c.removed_at.is_(None)
            )  # fmt: skip
        )
    ).all()
    by_number = {(e.season, e.number): e for e in info.episodes}
    before = rules.written.get("episodes") or {}
    written: dict[str, dict[str, str]] = {}
    for row in rows:
        found = by_number.get((row.season_number, row.episode_number))
        if found is None:
            continue
        key = f"{row.season_number}-{row.episode_number}"
        locked = frozenset(row.locked_fields or ())
        old = before.get(key) or {}
        wanted = {"title": found.title, "description": found.overview, "air_date": found.air_date}
        changes = {
            k: v[:500] if k == "title" else v
            for k, v in wanted.items()
            if v and _may_replace(getattr(row, k), old.get(k), rules, k, locked)
        }
        written[key] = {k: v for k, v in wanted.items() if v}
        if changes:
            await conn.execute(episodes.update().where(episodes.c.id == row.id).values(**changes))
        still = art.stills.get((row.season_number, row.episode_number))
        if still is not None:
            await _add_image(conn, still, "thumb", now, episode_id=row.id)
    return written


async def _seasons(
    conn: AsyncConnection, series_id: int, info: TitleInfo, art: Artwork, rules: Rules, now: float
) -> None:
    rows = (await conn.execute(sa.select(seasons).where(seasons.c.series_id == series_id))).all()
    names = {s.number: s.title for s in info.seasons if s.title}
    for row in rows:
        default = "Specials" if row.number == 0 else f"Season {row.number}"
        name = names.get(row.number)
        if name and (rules.prefer_provider or row.title in (None, default)):
            await conn.execute(
                seasons.update().where(seasons.c.id == row.id).values(title=name[:500])
            )
        poster = art.seasons.get(row.number)
        if poster is not None:
            await _add_image(conn, poster, "poster", now, season_id=row.id)
