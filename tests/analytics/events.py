"""Hand-made plays and heartbeats written straight into the database, for rollup tests."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.analytics_schema import play_heartbeats
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import plays

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


async def add_play(
    db: Database,
    *,
    user_id: int,
    profile_id: int,
    media_file_id: int,
    started_at: float,
    watched: float,
    position: float,
    method: str = "ladder",
    client: str = CHROME,
    ttff_ms: int | None = 500,
    rebuffer_seconds: float = 0.0,
    rungs: list[str] | None = None,
    fatal: str | None = None,
    beats_every: float | None = None,
) -> int:
    """One play; with `beats_every`, heartbeats from 0 to `position` every that many seconds."""
    async with db.write() as conn:
        play_id = (
            await conn.execute(
                plays.insert()
                .values(
                    user_id=user_id,
                    profile_id=profile_id,
                    media_file_id=media_file_id,
                    method=method,
                    client=client,
                    started_at=started_at,
                    updated_at=started_at + watched,
                    time_to_first_frame_ms=ttff_ms,
                    rebuffer_seconds=rebuffer_seconds,
                    rungs=rungs or ["720p"],
                    seconds_watched=watched,
                    position_seconds=position,
                    fatal_error=fatal,
                )
                .returning(plays.c.id)
            )
        ).scalar_one()
        if beats_every:
            steps = int(position // beats_every)
            rows = [
                {
                    "play_id": play_id,
                    "at": started_at + i * beats_every,
                    "position_seconds": min(position, i * beats_every),
                    "paused": False,
                }
                for i in range(steps + 1)
            ]
            if rows[-1]["position_seconds"] < position:
                rows.append(
                    {
                        "play_id": play_id,
                        "at": started_at + position,
                        "position_seconds": position,
                        "paused": True,
                    }
                )
            await conn.execute(play_heartbeats.insert(), rows)
    return play_id


async def count(db: Database, table: sa.Table) -> int:
    async with db.read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


async def add_viewers(db: Database, n: int, start: float) -> list[tuple[int, int]]:
    """`n` users with one profile each: [(user id, profile id)]."""
    from mediaserver.db.schema import profiles, users

    made = []
    async with db.write() as conn:
        for i in range(n):
            user_id = (
                await conn.execute(
                    users.insert()
                    .values(
                        username=f"viewer{i}",
                        username_key=f"viewer{i}",
                        password_hash="x",
                        created_at=start,
                        updated_at=start,
                    )
                    .returning(users.c.id)
                )
            ).scalar_one()
            profile_id = (
                await conn.execute(
                    profiles.insert()
                    .values(user_id=user_id, name=f"Viewer {i}", avatar="blue", created_at=start)
                    .returning(profiles.c.id)
                )
            ).scalar_one()
            made.append((user_id, profile_id))
    return made
