"""The shapes of the analytics API (for the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mediaserver.http.api import ApiModel


class AnalyticsQuery(ApiModel):
    """Date range (UTC days, inclusive) and filters; every one may be left out."""

    from_: str | None = Field(default=None, alias="from", description="First day, 2026-11-01.")
    to: str | None = Field(default=None, description="Last day; default today.")
    library: int | None = None
    title: int | None = Field(default=None, description="A movie or series.")
    user: int | None = None
    profile: int | None = None
    device: str | None = Field(default=None, description="desktop, phone, tablet, tv, other.")
    browser: str | None = Field(default=None, description="chrome, edge, firefox, safari, ...")
    method: str | None = Field(default=None, description="ladder, direct, remux, transcode.")
    file: int | None = Field(default=None, description="Media file (retention, hotspots).")
    format: Literal["json", "csv"] = "json"


class AnalyticsColumn(ApiModel):
    key: str
    label: str
    kind: str


class AnalyticsTableOut(ApiModel):
    name: str
    title: str
    columns: list[AnalyticsColumn]
    rows: list[dict[str, Any]]
