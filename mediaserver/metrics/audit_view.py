"""Reading the audit log for the admin: one page of a search, and the whole search as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from mediaserver.db.audit import AuditEntry, list_audit
from mediaserver.db.engine import Database
from mediaserver.metrics.audit_models import AuditQuery

EXPORT_BATCH = 1000
EXPORT_MAX = 100_000  # rows in one export; narrow the search for more
CSV_HEADER = ("id", "time_utc", "actor_id", "actor", "address", "action", "target", "detail")
# A spreadsheet runs a cell that starts with one of these as a formula: usernames and targets
# are typed by people, so such cells get a quote in front.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class AuditResults:
    entries: list[AuditEntry]
    next_before: int | None  # the cursor of the next (older) page


async def search(db: Database, query: AuditQuery) -> AuditResults:
    """One page, newest first; one row more is read to know whether another page follows."""
    rows = await list_audit(
        db,
        query=query.q.strip(),
        action=query.action.strip(),
        since=query.since_ts,
        until=query.until_ts,
        limit=query.limit + 1,
        before_id=query.before,
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return AuditResults(page, page[-1].id if more and page else None)


def iso_time(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _line(values: tuple[object, ...]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue().encode()


async def csv_lines(db: Database, query: AuditQuery) -> AsyncIterator[bytes]:
    """The header, then every matching entry (newest first, at most EXPORT_MAX), a line each."""
    yield _line(CSV_HEADER)
    before, sent = query.before, 0
    while sent < EXPORT_MAX:
        batch = query.model_copy(update={"before": before, "limit": EXPORT_BATCH})
        entries = (await search(db, batch)).entries
        for e in entries:
            detail = json.dumps(e.detail, sort_keys=True, default=str)
            yield _line(
                (e.id, iso_time(e.at), e.actor_id, e.actor_name, e.address, e.action, e.target,
                 detail)
            )
        sent += len(entries)
        if len(entries) < EXPORT_BATCH:
            return
        before = entries[-1].id
