"""A small catalog written straight into the database, so browse tests run in milliseconds:
a library, movies and series with genres, people, files, streams, subtitles, images, and the
progress rows the player would write."""

from __future__ import annotations

import itertools
import time
from typing import Any

import sqlalchemy as sa

from mediaserver.db.catalog_schema import (
    episodes,
    genres,
    images,
    libraries,
    media_files,
    media_streams,
    people,
    seasons,
    subtitle_tracks,
    title_genres,
    title_people,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.db.search import index_title
from mediaserver.db.viewer_schema import watch_progress

_clock = itertools.count(1)


class Catalog:
    """Builder: `await cat.movie("Heat", year=1995, rating="R", genres=["Crime"])`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.library_id: int | None = None
        self.now = time.time() - 10_000

    async def _library(self) -> int:
        if self.library_id is None:
            async with self.db.write() as conn:
                self.library_id = (
                    await conn.execute(
                        libraries.insert()
                        .values(
                            name="Seeded",
                            kind="mixed",
                            paths=["/nonexistent"],
                            created_at=self.now,
                            updated_at=self.now,
                        )
                        .returning(libraries.c.id)
                    )
                ).scalar_one()
        return self.library_id

    async def _genre(self, conn: Any, name: str) -> int:
        key = name.lower()
        found = await conn.scalar(sa.select(genres.c.id).where(genres.c.name_key == key))
        if found is None:
            found = (
                await conn.execute(
                    genres.insert().values(name=name, name_key=key).returning(genres.c.id)
                )
            ).scalar_one()
        return found

    async def _person(self, conn: Any, name: str) -> int:
        key = name.lower()
        found = await conn.scalar(sa.select(people.c.id).where(people.c.name_key == key))
        if found is None:
            found = (
                await conn.execute(
                    people.insert().values(name=name, name_key=key).returning(people.c.id)
                )
            ).scalar_one()
        return found

    async def _file(
        self,
        conn: Any,
        title_id: int,
        episode_id: int | None = None,
        duration: float = 600.0,
        audio: tuple[str, ...] = ("eng",),
        subs: tuple[str, ...] = (),
    ) -> int:
        n = next(_clock)
        file_id = (
            await conn.execute(
                media_files.insert()
                .values(
                    library_id=self.library_id,
                    path=f"/nonexistent/{n}.mkv",
                    display_path=f"{n}.mkv",
                    size=1000,
                    mtime=1.0,
                    status="ok",
                    title_id=title_id,
                    episode_id=episode_id,
                    container="matroska",
                    duration_seconds=duration,
                    first_seen_at=self.now,
                    last_seen_at=self.now,
                )
                .returning(media_files.c.id)
            )
        ).scalar_one()
        rows = [
            {
                "media_file_id": file_id,
                "stream_index": 0,
                "kind": "video",
                "codec": "h264",
                "language": None,
            }
        ]
        rows += [
            {
                "media_file_id": file_id,
                "stream_index": i + 1,
                "kind": "audio",
                "codec": "aac",
                "language": lang,
            }
            for i, lang in enumerate(audio)
        ]
        await conn.execute(media_streams.insert(), rows)
        for lang in subs:
            await conn.execute(
                subtitle_tracks.insert().values(
                    media_file_id=file_id, source="sidecar", format="srt", language=lang
                )
            )
        return file_id

    async def _title(self, conn: Any, kind: str, name: str, **kw: Any) -> int:
        self.now += 10
        title_id = (
            await conn.execute(
                titles.insert()
                .values(
                    library_id=self.library_id,
                    kind=kind,
                    title=name,
                    sort_title=name.lower(),
                    year=kw.get("year"),
                    description=kw.get("description", ""),
                    maturity_rating=kw.get("rating"),
                    runtime_seconds=kw.get("runtime"),
                    provider_ids={},
                    locked_fields=[],
                    source_key=f"{kind}:{name}:{next(_clock)}",
                    added_at=kw.get("added_at", self.now),
                    updated_at=self.now,
                    removed_at=kw.get("removed_at"),
                )
                .returning(titles.c.id)
            )
        ).scalar_one()
        for g in kw.get("genres", []):
            await conn.execute(
                title_genres.insert().values(title_id=title_id, genre_id=await self._genre(conn, g))
            )
        for i, p in enumerate(kw.get("cast", [])):
            await conn.execute(
                title_people.insert().values(
                    title_id=title_id,
                    person_id=await self._person(conn, p),
                    role="actor",
                    position=i,
                )
            )
        if kw.get("poster"):
            await conn.execute(
                images.insert().values(
                    title_id=title_id,
                    kind="poster",
                    source="upload",
                    location=kw["poster"],
                    is_selected=True,
                    created_at=self.now,
                )
            )
        await index_title(conn, title_id, name, kw.get("description", ""), kw.get("cast", []))
        return title_id

    async def movie(self, name: str, **kw: Any) -> tuple[int, int]:
        """(title id, main file id)."""
        await self._library()
        async with self.db.write() as conn:
            title_id = await self._title(conn, "movie", name, **kw)
            file_id = await self._file(
                conn,
                title_id,
                duration=kw.get("duration", 600.0),
                audio=kw.get("audio", ("eng",)),
                subs=kw.get("subs", ()),
            )
        return title_id, file_id

    async def series(
        self, name: str, season_count: int = 2, per_season: int = 3, **kw: Any
    ) -> tuple[int, dict[tuple[int, int], int]]:
        """(series id, {(season, episode): file id})."""
        files: dict[tuple[int, int], int] = {}
        await self._library()
        async with self.db.write() as conn:
            series_id = await self._title(conn, "series", name, **kw)
            for s in range(1, season_count + 1):
                season_id = (
                    await conn.execute(
                        seasons.insert()
                        .values(series_id=series_id, number=s)
                        .returning(seasons.c.id)
                    )
                ).scalar_one()
                for e in range(1, per_season + 1):
                    episode_id = (
                        await conn.execute(
                            episodes.insert()
                            .values(
                                series_id=series_id,
                                season_id=season_id,
                                season_number=s,
                                episode_number=e,
                                title=f"Episode {s}x{e} of {name}",
                                locked_fields=[],
                                added_at=self.now,
                            )
                            .returning(episodes.c.id)
                        )
                    ).scalar_one()
                    files[(s, e)] = await self._file(
                        conn,
                        series_id,
                        episode_id,
                        duration=1200.0,
                        audio=kw.get("audio", ("eng",)),
                        subs=kw.get("subs", ()),
                    )
        return series_id, files

    async def progress(
        self,
        profile_id: int,
        file_id: int,
        position: float,
        duration: float = 600.0,
        watched: bool = False,
        at: float | None = None,
    ) -> None:
        """What the player saves: position in a file (title and episode filled in from it)."""
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    sa.select(media_files.c.title_id, media_files.c.episode_id).where(
                        media_files.c.id == file_id
                    )
                )
            ).one()
            await conn.execute(
                watch_progress.delete().where(
                    watch_progress.c.profile_id == profile_id,
                    watch_progress.c.media_file_id == file_id,
                )
            )
            await conn.execute(
                watch_progress.insert().values(
                    profile_id=profile_id,
                    media_file_id=file_id,
                    title_id=row[0],
                    episode_id=row[1],
                    position_seconds=position,
                    duration_seconds=duration,
                    watched=watched,
                    updated_at=at if at is not None else time.time() + next(_clock),
                )
            )
