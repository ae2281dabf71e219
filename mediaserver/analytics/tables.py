"""A table of figures as every analytics view shows it, and as its JSON and CSV exports give it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "int", "float", "percent", "hours", "ms", "date", "time"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of values in the order of `columns`; `links` maps a row to a filter change
    (e.g. {"title": 12}) that narrows the view to it."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    links: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        keys = [c.key for c in self.columns]
        return {
            "name": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [dict(zip(keys, row, strict=True)) for row in self.rows],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            # A cell starting with =, +, - or @ would run as a formula in a spreadsheet.
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        return out.getvalue()

    def column(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


def as_hours(seconds: Any) -> float:
    """Seconds as hours, to a tenth."""
    return round(float(seconds or 0) / 3600, 1)


def as_date(at: float) -> str:
    """An epoch time's UTC date, as 2026-12-31."""
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()
