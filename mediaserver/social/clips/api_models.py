"""The clips API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.social.clips.records import Clip


class ClipCreate(ApiModel):
    media_file_id: int
    start: float = Field(description="Seconds from the start of the title.")
    end: float = Field(description="Seconds; the clip is [start, end).")
    name: str = Field(max_length=1000)
    visibility: Literal["users", "public"] = "users"


class ClipOut(ApiModel):
    id: str = Field(description="The clip's id in its link /c/<id>.")
    name: str = Field(description="As typed; escape it wherever it is shown.")
    media_file_id: int
    title_id: int | None
    start: float
    end: float
    visibility: Literal["users", "public"]
    status: Literal["queued", "playable", "ready", "failed"] = Field(
        description="playable: the HLS playlist and poster play; ready: the MP4 too."
    )
    error: str | None
    page_url: str
    mp4_url: str | None = Field(description="Signed, expiring; set once ready.")
    hls_url: str | None = Field(description="Signed, expiring; set once playable.")
    poster_url: str | None

    @classmethod
    def of(cls, clip: Clip, media_base: str | None) -> ClipOut:
        ready = clip.status == "ready" and media_base is not None
        plays = clip.status in ("playable", "ready") and media_base is not None
        return cls(
            id=clip.slug, name=clip.name, media_file_id=clip.media_file_id,
            title_id=clip.title_id, start=clip.start, end=clip.end, visibility=clip.visibility,
            status=clip.status, error=clip.error, page_url=f"/c/{clip.slug}",
            mp4_url=f"{media_base}clip.mp4" if ready else None,
            hls_url=f"{media_base}hls/index.m3u8" if plays else None,
            poster_url=f"{media_base}poster.jpg" if plays else None,
        )  # fmt: skip


class ClipList(ApiModel):
    clips: list[ClipOut]
