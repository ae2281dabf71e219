"""Writing analysed files into the catalog: titles, seasons, episodes, files, streams, search.

One `CatalogWriter` per scan. It loads the library's titles, seasons and episodes once, so that
upserting by source key costs no query per file; each file is written in its own savepoint, so one
file that cannot be written is recorded as failed without undoing the rest of its batch.
Fields an admin locked (`titles.locked_fields`, `episodes.locked_fields`) are never overwritten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import episodes, seasons, titles
from mediaserver.library.scan import catalog_media as cm
from mediaserver.library.scan.analysis import Analysis
from mediaserver.library.scan.catalog_tags import TagCache, reindex_titles
from mediaserver.library.scan.metadata import (
    episode_fields,
    nfo_genres,
    nfo_people,
    series_fields,
    title_fields,
)
from mediaserver.library.scan.store import KnownFile, rerated
from mediaserver.library.scan.walker import WalkIssue

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TitleRef:
    id: int
    kind: str
    source_key: str
    locked: frozenset[str]


@dataclass(slots=True)
class EpisodeRef:
    id: int
    locked: frozenset[str]


@dataclass(slots=True)
class WriteOutcome:
    ok: bool
    issues: list[WalkIssue] = field(default_factory=list)
    file_id: int | None = None


class CatalogWriter:
    def __init__(self, library_id: int, live_title_ids: set[int] | None = None) -> None:
        self.library_id = library_id
        # Titles that still have files at their old paths: a moved file never re-keys them.
        self.live_title_ids = live_title_ids or set()
        self.titles: dict[tuple[str, str], TitleRef] = {}
        self.titles_by_id: dict[int, TitleRef] = {}
        self.seasons: dict[tuple[int, int], int] = {}
        self.episodes: dict[tuple[int, int, int], EpisodeRef] = {}
        self.touched: set[int] = set()
        self.tags = TagCache()
        self._series_done: set[int] = set()
        # Rows created by this scan: nothing hangs off them yet, so nothing to delete first.
        self.created: set[tuple[str, int]] = set()
        self.updated: set[int] = set()
        self._loaded = False

    async def load(self, conn: AsyncConnection) -> None:
        """The library's titles, seasons and episodes, once per scan (three queries)."""
        self.titles.clear()
        self.titles_by_id.clear()
        self.seasons.clear()
        self.episodes.clear()
        rows = await conn.execute(
            sa.select(
                titles.c.id, titles.c.kind, titles.c.source_key, titles.c.locked_fields
            ).where(titles.c.library_id == self.library_id)
        )
        for r in rows:
            self._remember(TitleRef(r.id, r.kind, r.source_key, frozenset(r.locked_fields or ())))
        series_ids = sa.select(titles.c.id).where(titles.c.library_id == self.library_id)
        for r in await conn.execute(
            sa.select(seasons.c.id, seasons.c.series_id, seasons.c.number).where(
                seasons.c.series_id.in_(series_ids)
            )
        ):
            self.seasons[(r.series_id, r.number)] = r.id
        for r in await conn.execute(
            sa.select(
                episodes.c.id,
                episodes.c.series_id,
                episodes.c.season_number,
                episodes.c.episode_number,
                episodes.c.locked_fields,
            ).where(episodes.c.series_id.in_(series_ids))
        ):
            key = (r.series_id, r.season_number, r.episode_number)
            self.episodes[key] = EpisodeRef(r.id, frozenset(r.locked_fields or ()))
        self._loaded = True

    def _remember(self, ref: TitleRef) -> None:
        self.titles[(ref.kind, ref.source_key)] = ref
        self.titles_by_id[ref.id] = ref

    # -- one file ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """After a rolled-back transaction: cached ids may name rows that are gone."""
        self._loaded = False
        self.tags.forget()
        self._series_done.clear()
        self.created.clear()
        self.updated.clear()
        self.touched.clear()

    async def write(
        self,
        conn: AsyncConnection,
        a: Analysis,
        known: KnownFile | None,
        now: float,
        *,
        safe: bool = False,
    ) -> WriteOutcome:
        """Write one file. With `safe`, in a savepoint: a database error marks just this file
        failed (the scanner retries a batch that failed this way)."""
        if not self._loaded:
            await self.load(conn)
        if not safe:
            return await self._write(conn, a, known, now)
        try:
            async with conn.begin_nested():
                return await self._write(conn, a, known, now)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("could not write %r: %s", a.found.path, exc)
            touched = set(self.touched)
            self.reset()
            await self.load(conn)  # the savepoint's inserts are gone: forget cached ids
            self.touched = touched & set(self.titles_by_id)
            reason = f"could not be saved: {type(getattr(exc, 'orig', exc)).__name__}"
            await cm.write_file_row(conn, self.library_id, a, known, now, error=reason)
            return WriteOutcome(ok=False)

    async def _write(
        self, conn: AsyncConnection, a: Analysis, known: KnownFile | None, now: float
    ) -> WriteOutcome:
        if a.error is not None or a.guess is None:
            await cm.write_file_row(
                conn, self.library_id, a, known, now, error=a.error or "not analysed"
            )
            return WriteOutcome(ok=False)
        g = a.guess
        prefer = known.title_id if known is not None else None
        issues: list[WalkIssue] = []
        title_id: int | None
        episode_id: int | None = None
        is_main = g.kind != "extra" and (g.part or 1) == 1
        if g.kind == "episode":
            fields = series_fields(g, a.series_nfo)
            title_id = await self._title(conn, "series", g.source_key, fields, True, prefer, now)
            if g.episodes and g.season is not None:
                episode_id = await self._episode(conn, title_id, a, now)
            else:
                issues.append(WalkIssue(a.found.path, "episode number not found in the name"))
        elif g.kind == "extra":
            kind = "series" if g.owner_kind == "series" else "movie"
            owner = g.owner_title or g.title
            fields = {"title": owner, "sort_title": owner.lower(), "year": g.year}
            title_id = await self._title(conn, kind, g.source_key, fields, False, prefer, now)
        else:
            fields = title_fields(g, a.nfo, a.probe)
            title_id = await self._title(conn, "movie", g.source_key, fields, is_main, prefer, now)
        file_id = await cm.write_file_row(
            conn, self.library_id, a, known, now, title_id=title_id, episode_id=episode_id
        )
        fresh = known is None
        if a.probed and a.probe is not None:
            await cm.replace_streams(conn, file_id, a.probe, fresh=fresh)
        await cm.replace_sidecar_subtitles(conn, file_id, a.sidecars, a.found.root, fresh=fresh)
        art = a.sidecars.artwork if a.sidecars is not None else ()
        if g.kind == "movie" and is_main:
            new = ("title", title_id) in self.created
            await cm.replace_local_images(
                conn, art, a.found.root, now, fresh=new, title_id=title_id
            )
            await self._tags(conn, title_id, a.nfo)
        elif g.kind == "episode":
            if episode_id is not None:
                new = ("episode", episode_id) in self.created
                await cm.replace_local_images(
                    conn, art, a.found.root, now, fresh=new, episode_id=episode_id
                )
            await self._series_once(conn, title_id, a, now)
        return WriteOutcome(ok=True, issues=issues, file_id=file_id)

    async def _series_once(self, conn: AsyncConnection, series_id: int, a: Analysis, now: float):
        """Series artwork, season artwork and tvshow.nfo tags: once per series per scan."""
        if series_id in self._series_done:
            return
        self._series_done.add(series_id)
        root = a.found.root
        own = [x for x in a.series_art if x.season is None]
        new = ("title", series_id) in self.created
        await cm.replace_local_images(conn, own, root, now, fresh=new, title_id=series_id)
        by_season: dict[int, list] = {}
        for x in a.series_art:
            if x.season is not None:
                by_season.setdefault(x.season, []).append(x)
        for number, items in by_season.items():
            season_id = await self._season(conn, series_id, number)
            await cm.replace_local_images(conn, items, root, now, season_id=season_id)
        await self._tags(conn, series_id, a.series_nfo)

    async def _tags(self, conn: AsyncConnection, title_id: int, nfo: Any) -> None:
        if nfo is None:
            return
        locked = self.titles_by_id[title_id].locked
        fresh = ("title", title_id) in self.created
        if "genres" not in locked:
            await self.tags.set_genres(conn, title_id, nfo_genres(nfo), fresh=fresh)
        if "people" not in locked:
            await self.tags.set_people(conn, title_id, nfo_people(nfo), fresh=fresh)
        self.touched.add(title_id)

    async def _title(
        self,
        conn: AsyncConnection,
        kind: str,
        key: str,
        fields: dict[str, Any],
        update: bool,
        prefer: int | None,
        now: float,
    ) -> int:
        ref = self.titles.get((kind, key))
        if ref is None and prefer is not None:
            old = self.titles_by_id.get(prefer)
            if old is not None and old.kind == kind and prefer not in self.live_title_ids:
                # A moved or renamed file: its title moves with it (same id, history kept).
                await conn.execute(
                    titles.update().where(titles.c.id == old.id).values(source_key=key)
                )
                del self.titles[(old.kind, old.source_key)]
                old.source_key = key
                self._remember(old)
                ref = old
        if ref is None:
            values = {
                "description": "",
                "provider_ids": {},
                **{k: v for k, v in fields.items() if v is not None},
            }
            new_id = (
                await conn.execute(
                    titles.insert()
                    .values(
                        library_id=self.library_id,
                        kind=kind,
                        source_key=key,
                        locked_fields=[],
                        added_at=now,
                        updated_at=now,
                        **values,
                    )
                    .returning(titles.c.id)
                )
            ).scalar_one()
            self._remember(TitleRef(new_id, kind, key, frozenset()))
            self.created.add(("title", new_id))
            self.touched.add(new_id)
            return new_id
        if update and ref.id not in self.updated:
            # Once per scan: every episode of a series carries the same series fields.
            self.updated.add(ref.id)
            changes = {k: v for k, v in fields.items() if v is not None and k not in ref.locked}
            if "maturity_rating" in changes:
                await rerated(conn, ref.id, changes["maturity_rating"], now)
            if changes:
                await conn.execute(
                    titles.update().where(titles.c.id == ref.id).values(updated_at=now, **changes)
                )
            self.touched.add(ref.id)
        return ref.id

    async def _season(self, conn: AsyncConnection, series_id: int, number: int) -> int:
        season_id = self.seasons.get((series_id, number))
        if season_id is None:
            season_id = (
                await conn.execute(
                    seasons.insert()
                    .values(
                        series_id=series_id,
                        number=number,
                        title="Specials" if number == 0 else f"Season {number}",
                    )
                    .returning(seasons.c.id)
                )
            ).scalar_one()
            self.seasons[(series_id, number)] = season_id
        return season_id

    async def _episode(self, conn: AsyncConnection, series_id: int, a: Analysis, now: float) -> int:
        g = a.guess
        assert g is not None and g.season is not None
        first, last = g.episodes[0], g.episodes[-1]
        season_id = await self._season(conn, series_id, g.season)
        fields = episode_fields(g, a.nfo, a.probe)
        fields["episode_number_end"] = last if last != first else None
        key = (series_id, g.season, first)
        ref = self.episodes.get(key)
        if ref is None:
            new_id = (
                await conn.execute(
                    episodes.insert()
                    .values(
                        series_id=series_id,
                        season_id=season_id,
                        season_number=g.season,
                        episode_number=first,
                        locked_fields=[],
                        added_at=now,
                        description=fields.pop("description", None) or "",
                        **{k: v for k, v in fields.items() if v is not None},
                    )
                    .returning(episodes.c.id)
                )
            ).scalar_one()
            self.episodes[key] = EpisodeRef(new_id, frozenset())
            self.created.add(("episode", new_id))
            return new_id
        changes = {k: v for k, v in fields.items() if v is not None and k not in ref.locked}
        if changes:
            await conn.execute(episodes.update().where(episodes.c.id == ref.id).values(**changes))
        return ref.id

    # -- after a batch ----------------------------------------------------------------------------

    async def reindex(self, conn: AsyncConnection) -> None:
        """Refresh the search documents of the titles this batch touched."""
        ids = sorted(self.touched)
        self.touched.clear()
        await reindex_titles(conn, ids)
