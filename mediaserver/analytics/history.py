"""History: what was watched, newest first, by the hour it started."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from mediaserver.analytics.filters import Filters, conditions
from mediaserver.analytics.labels import file_label
from mediaserver.analytics.tables import Column, Table
from mediaserver.db.analytics_schema import analytics_hourly
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles, users

H = analytics_hourly


async def history(db: Database, f: Filters, limit: int = 200) -> Table:
    """What was watched, newest first, by hour started (as Tautulli lists a user's history)."""
    label = file_label()
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    H.c.hour,
                    users.c.username,
                    profiles.c.name,
                    label,
                    H.c.device,
                    H.c.browser,
                    H.c.method,
                    H.c.plays,
                    H.c.seconds_watched,
                    H.c.completed,
                    H.c.title_id,
                    H.c.user_id,
                )
                .select_from(H)
                .outerjoin(users, users.c.id == H.c.user_id)
                .outerjoin(profiles, profiles.c.id == H.c.profile_id)
                .outerjoin(media_files, media_files.c.id == H.c.media_file_id)
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .outerjoin(titles, titles.c.id == H.c.title_id)
                .where(*conditions(H, f, "hour"))
                .order_by(H.c.hour.desc(), H.c.id.desc())
                .limit(limit)
            )
        ).all()
    return Table(
        "history",
        "History",
        (
            Column("when", "Started (UTC hour)", "time"),
            Column("user", "User"),
            Column("profile", "Profile"),
            Column("title", "Title"),
            Column("device", "Device"),
            Column("browser", "Browser"),
            Column("method", "Method"),
            Column("plays", "Plays", "int"),
            Column("minutes", "Minutes watched", "float"),
            Column("completed", "Completed", "int"),
        ),
        [
            (
                dt.datetime.fromtimestamp(float(r[0]), dt.UTC).strftime("%Y-%m-%d %H:00"),
                r[1] or "(deleted)",
                r[2] or "(deleted)",
                r[3] or "(removed)",
                r[4],
                r[5],
                r[6],
                int(r[7]),
                round(float(r[8]) / 60, 1),
                int(r[9]),
            )
            for r in rows
        ],
        links=[{"title": r[10], "user": r[11]} for r in rows],
    )
