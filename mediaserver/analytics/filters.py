"""The date range and filters every analytics view takes from its query string, and the SQL
conditions they make on a rollup table."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from mediaserver.analytics.agents import BROWSERS, DEVICES
from mediaserver.errors import BadRequest

DAY = 86400.0
DEFAULT_DAYS = 30
MAX_DAYS = 3660
METHODS = ("ladder", "direct", "remux", "transcode")
ID_FILTERS = ("library", "title", "user", "profile")
CHOICE_FILTERS = {"device": DEVICES, "browser": BROWSERS, "method": METHODS}


@dataclass(frozen=True, slots=True)
class Filters:
    """A UTC date range [start, end) and the filters set (None: all)."""

    start: float
    end: float
    library: int | None = None
    title: int | None = None
    user: int | None = None
    profile: int | None = None
    device: str | None = None
    browser: str | None = None
    method: str | None = None
    file: int | None = None  # the media file a retention curve is drawn for

    @property
    def fine(self) -> bool:
        """Whether a filter needs the hourly rollup (the daily one has no title, user, profile)."""
        return any(v is not None for v in (self.title, self.user, self.profile))

    @property
    def date_from(self) -> str:
        return _date(self.start)

    @property
    def date_to(self) -> str:
        return _date(self.end - DAY)

    @property
    def days(self) -> int:
        return round((self.end - self.start) / DAY)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give these filters (with `changes`; None drops one)."""
        values = {"from": self.date_from, "to": self.date_to}
        for f in fields(self):
            if f.name not in ("start", "end"):
                value = changes.get(f.name, getattr(self, f.name))
                if value is not None:
                    values[f.name] = str(value)
        return values

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    def without(self, name: str) -> Filters:
        return replace(self, **{name: None})


def _date(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


def _parse_date(raw: str, name: str) -> float:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date like 2026-12-31.", field=name) from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def parse_filters(query: Mapping[str, str], now: float | None = None) -> Filters:
    """Filters from a query string; 400 with the field's name when one cannot be read."""
    now = time.time() if now is None else now
    today = now - now % DAY
    end = _parse_date(query["to"], "to") + DAY if query.get("to") else today + DAY
    start = _parse_date(query["from"], "from") if query.get("from") else end - DEFAULT_DAYS * DAY
    if start >= end:
        raise BadRequest("'from' must be on or before 'to'.", field="from")
    if end - start > MAX_DAYS * DAY:
        raise BadRequest(f"The range may span at most {MAX_DAYS} days.", field="from")
    values: dict[str, Any] = {}
    for name in (*ID_FILTERS, "file"):
        raw = query.get(name, "")
        if raw:
            if not raw.isdigit() or len(raw) > 12:
                raise BadRequest(f"'{name}' must be an id.", field=name)
            values[name] = int(raw)
    for name, choices in CHOICE_FILTERS.items():
        raw = query.get(name, "")
        if raw:
            if raw not in choices:
                raise BadRequest(f"'{name}' must be one of {', '.join(choices)}.", field=name)
            values[name] = raw
    return Filters(start=start, end=end, **values)


def conditions(table: sa.Table, f: Filters, time_column: str) -> list[sa.ColumnElement[bool]]:
    """The range and filters as conditions on a rollup table (those of its columns it has)."""
    column = table.c[time_column]
    found = [column >= f.start, column < f.end]
    names = {
        "library": "library_id",
        "title": "title_id",
        "user": "user_id",
        "profile": "profile_id",
        "device": "device",
        "browser": "browser",
        "method": "method",
    }
    for name, col in names.items():
        value = getattr(f, name)
        if value is not None and col in table.c:
            found.append(table.c[col] == value)
    return found
