"""The audit log's search filter and its JSON answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator

from mediaserver.http.api import ApiModel

DAY = 86400.0


class AuditQuery(ApiModel):
    q: str = Field("", max_length=200, description="Text in the actor, target or details.")
    action: str = Field(
        "", max_length=64, description="Action prefix, e.g. `user.` or `library.delete`."
    )
    since: dt.date | None = Field(None, description="First day (UTC), YYYY-MM-DD.")
    until: dt.date | None = Field(None, description="Last day (UTC, included), YYYY-MM-DD.")
    before: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="Only entries older than this id (the next page's cursor).",
    )
    limit: int = Field(50, ge=1, le=500, description="Entries per page.")

    @field_validator("since", "until", "before", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # A search form sends its empty date fields as "".
        return None if value == "" else value

    @property
    def since_ts(self) -> float | None:
        return _epoch(self.since) if self.since else None

    @property
    def until_ts(self) -> float | None:
        return _epoch(self.until) + DAY if self.until else None


def _epoch(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


class AuditEntryOut(ApiModel):
    id: int
    at: float = Field(description="Unix time (UTC).")
    actor_id: int | None = Field(description="The user who acted; null for the system.")
    actor_name: str
    address: str = Field(description="The client's address.")
    action: str = Field(description="Dotted verb, e.g. user.create, stream.stop.")
    target: str = Field(description="What was acted on, readable.")
    detail: dict[str, Any] = Field(description="Details; secrets are never recorded.")


class AuditPage(ApiModel):
    entries: list[AuditEntryOut] = Field(description="Newest first.")
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )
