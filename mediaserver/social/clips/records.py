"""Clip records at the database edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Visibility = Literal["users", "public"]
# playable: its HLS playlist and poster are stored, its MP4 download not yet.
ClipStatus = Literal["queued", "playable", "ready", "failed"]


@dataclass(frozen=True, slots=True)
class Clip:
    id: int
    slug: str
    user_id: int
    profile_id: int
    media_file_id: int
    title_id: int | None
    start: float
    end: float
    name: str
    visibility: Visibility
    status: ClipStatus
    error: str | None
    storage_prefix: str | None
    duration: float | None
    width: int | None
    height: int | None
    created_at: float
    owner_name: str = ""
    title: str = ""

    @classmethod
    def of(cls, row: Any) -> Clip:
        m = row._mapping
        return cls(
            m["id"], m["slug"], m["user_id"], m["profile_id"], m["media_file_id"], m["title_id"],
            m["start_seconds"], m["end_seconds"], m["name"], m["visibility"], m["status"],
            m["error"], m["storage_prefix"], m["duration_seconds"], m["width"], m["height"],
            m["created_at"], m.get("owner_name") or "", m.get("title") or "",
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClipSummary:
    """A clip as a list shows it (title page, profile page)."""

    slug: str
    name: str
    title: str
    owner_name: str
    duration: float
    visibility: Visibility
    created_at: float
    url: str

    @classmethod
    def of(cls, clip: Clip) -> ClipSummary:
        return cls(clip.slug, clip.name, clip.title, clip.owner_name,
                   clip.duration or clip.end - clip.start, clip.visibility, clip.created_at,
                   f"/c/{clip.slug}")  # fmt: skip
