"""A small catalog written straight into the database for the player's API tests: a rated and
an unrated movie, a PG series with three episodes, and chapters."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import (
    chapters,
    episodes,
    libraries,
    media_files,
    seasons,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.keys import db_key
from tests.helpers import api, csrf_from, pick_profile, setup_admin


@dataclass
class Catalog:
    heat: int  # media file of an R-rated movie, 100 s, chapters Intro / Story / End Credits
    paddington: int  # PG movie, 200 s, no chapters
    episodes: list[int]  # files of S01E01, S01E02, S02E01 of a PG series
    special: int  # S00E01 of the same series


async def _insert(conn: sa.Connection, table: sa.Table, **values: object) -> int:
    return (await conn.execute(table.insert().values(**values).returning(table.c.id))).scalar_one()


async def build_catalog(db: Database) -> Catalog:
    now = time.time()
    async with db.write() as conn:
        lib = await _insert(
            conn, libraries, name="Lib", kind="movies", paths=["/m"], created_at=now, updated_at=now
        )

        async def title(name: str, kind: str, rating: str | None) -> int:
            return await _insert(
                conn,
                titles,
                library_id=lib,
                kind=kind,
                title=name,
                sort_title=name.lower(),
                year=2001,
                maturity_rating=rating,
                provider_ids={},
                locked_fields=[],
                source_key=name,
                added_at=now,
                updated_at=now,
            )

        async def file(name: str, duration: float, **owner: object) -> int:
            return await _insert(
                conn,
                media_files,
                library_id=lib,
                path=f"/m/{name}",
                display_path=f"/m/{name}",
                size=1,
                mtime=now,
                duration_seconds=duration,
                first_seen_at=now,
                last_seen_at=now,
                **owner,
            )

        heat_title = await title("Heat", "movie", "R")
        heat = await file("heat.mkv", 100.0, title_id=heat_title)
        for pos, (name, start, end) in enumerate(
            [("Intro", 0.0, 12.0), ("Story", 12.0, 90.0), ("End Credits", 90.0, 100.0)]
        ):
            await _insert(
                conn,
                chapters,
                media_file_id=heat,
                position=pos,
                title=name,
                start_seconds=start,
                end_seconds=end,
            )
        paddington = await file(
            "paddington.mkv", 200.0, title_id=await title("Paddington", "movie", "PG")
        )
        series = await title("The Show", "series", "PG")
        files = []
        for season_no, number in ((1, 2), (1, 1), (2, 1), (0, 1)):
            season = await conn.scalar(
                sa.select(seasons.c.id).where(
                    seasons.c.series_id == series, seasons.c.number == season_no
                )
            )
            if season is None:
                season = await _insert(conn, seasons, series_id=series, number=season_no)
            episode = await _insert(
                conn,
                episodes,
                series_id=series,
                season_id=season,
                season_number=season_no,
                episode_number=number,
                title=f"Episode {season_no}.{number}",
                locked_fields=[],
                added_at=now,
            )
            files.append(await file(f"show-{season_no}-{number}.mkv", 60.0, episode_id=episode))
    # Inserted out of order on purpose: the next episode follows the numbers, not the ids.
    return Catalog(heat, paddington, [files[1], files[0], files[2]], files[3])


async def signed_in_catalog(client: TestClient) -> tuple[Catalog, str]:
    """Admin set up with the first profile chosen, and the catalog. Returns (catalog, csrf)."""
    await setup_admin(client)
    profiles = await (await client.get("/api/v1/profiles")).json()
    await pick_profile(client, profiles["profiles"][0]["id"])
    catalog = await build_catalog(client.app[db_key])
    return catalog, await csrf_from(client, "/profiles")


async def kids_profile(client: TestClient, csrf: str, max_rating: str = "PG") -> None:
    """Create a kids profile capped at `max_rating` and switch to it."""
    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": max_rating},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    await pick_profile(client, (await resp.json())["id"])
