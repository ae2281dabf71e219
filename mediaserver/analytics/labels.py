"""How a played file is named in analytics tables: the title, and "S1E2" for an episode."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.catalog_schema import episodes, titles


def file_label() -> sa.ColumnElement[str]:
    """The title's name, with " · S<season>E<episode>" when the file is an episode (needs the
    query to join `titles` and outer-join `episodes`)."""
    return sa.case(
        (
            episodes.c.id.is_not(None),
            titles.c.title
            + " · S"
            + sa.cast(episodes.c.season_number, sa.String)
            + "E"
            + sa.cast(episodes.c.episode_number, sa.String),
        ),
        else_=titles.c.title,
    )
