"""The Watching page's content: every table it shows, read at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from typing import Any

from mediaserver.analytics import binges, watching
from mediaserver.analytics.filters import Filters
from mediaserver.analytics.tables import Table
from mediaserver.db.engine import Database


@dataclass(frozen=True, slots=True)
class Overview:
    """The headline figures and the tables of the Watching page, for a range and filters."""

    totals: dict[str, float]
    over_time: Table
    top_movies: Table
    top_series: Table
    heatmap: Table
    binges: Table

    def context(self) -> dict[str, Any]:
        """Its parts by name, as the template reads them."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


async def overview(db: Database, f: Filters) -> Overview:
    """Every part of the Watching page, its queries run concurrently."""
    totals, over_time, tops, heatmap, found = await asyncio.gather(
        watching.totals(db, f),
        watching.over_time(db, f),
        watching.top_titles_of(db, f, ("movie", "series")),
        watching.heatmap(db, f),
        binges.binges(db, f),
    )
    return Overview(totals, over_time, tops[0], tops[1], heatmap, found)
