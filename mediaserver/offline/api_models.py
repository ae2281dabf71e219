"""The downloads API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.offline.records import Download, DownloadOptions, TrackChoice

MAX_SUBTITLES = 20


class QualityOut(ApiModel):
    rung: str = Field(description="The ladder rung to ask for in `rung`.")
    height: int
    width: int


class TrackOut(ApiModel):
    name: str = Field(description="What to ask for in `audio` or `subtitles`.")
    language: str | None
    label: str


def _track(t: TrackChoice) -> TrackOut:
    return TrackOut(name=t.name, language=t.language, label=t.label)


class DownloadOptionsOut(ApiModel):
    media_file_id: int
    title: str = Field(description="As stored; escape it wherever it is shown.")
    qualities: list[QualityOut] = Field(description="Best first; only those the account may have.")
    audio: list[TrackOut]
    subtitles: list[TrackOut] = Field(description="Soft subtitles, put in the MP4 as mov_text.")
    held: int = Field(description="Downloads the account holds now.")
    limit: int = Field(description="Downloads the account may hold at once.")
    duration_seconds: float | None
    from_source: bool = Field(
        False,
        description="No packaged version: the MP4 is made from the title's file when its URL is "
        "first fetched (202 with Retry-After until it is ready).",
    )

    @classmethod
    def of(cls, o: DownloadOptions) -> DownloadOptionsOut:
        return cls(
            media_file_id=o.media_file_id, title=o.title,
            qualities=[QualityOut(rung=q.rung, height=q.height, width=q.width)
                       for q in o.qualities],
            audio=[_track(a) for a in o.audio],
            subtitles=[_track(s) for s in o.subtitles],
            held=o.held, limit=o.limit, duration_seconds=o.duration_seconds,
            from_source=o.from_source,
        )  # fmt: skip


class DownloadCreate(ApiModel):
    media_file_id: int = Field(ge=1)
    kind: Literal["file", "browser"] = Field(
        "file", description="'file': an MP4 to keep; 'browser': saved in this browser."
    )
    rung: str | None = Field(None, max_length=32, description="Default: the best allowed.")
    audio: str | None = Field(None, max_length=64, description="Default: the default track.")
    subtitles: list[str] = Field(default_factory=list, max_length=MAX_SUBTITLES)


class DownloadOut(ApiModel):
    id: int
    media_file_id: int
    kind: Literal["file", "browser"]
    title: str = Field(description="As stored; escape it wherever it is shown.")
    rung: str
    height: int
    audio: str | None
    subtitles: list[str]
    size: int | None = Field(description="Bytes of the MP4, known once it was first fetched.")
    state: Literal["active", "expired", "revoked"]
    revoked_reason: str | None
    created_at: float
    checked_in_at: float
    expires_at: float = Field(description="A saved title must check in before this time.")
    url: str | None = Field(description="Signed and expiring; set while the download is active.")
    user: str = ""
    profile: str = ""

    @classmethod
    def of(cls, d: Download, now: float, url: str | None) -> DownloadOut:
        state = d.state(now)
        return cls(
            id=d.id, media_file_id=d.media_file_id, kind=d.kind, title=d.title, rung=d.rung,
            height=d.height, audio=d.audio, subtitles=list(d.subtitles), size=d.size,
            state=state, revoked_reason=d.revoked_reason, created_at=d.created_at,
            checked_in_at=d.checked_in_at, expires_at=d.expires_at,
            url=url if state == "active" else None, user=d.username, profile=d.profile_name,
        )  # fmt: skip


class DownloadList(ApiModel):
    downloads: list[DownloadOut]
    held: int | None = None
    limit: int | None = None


# A download id is a database row id: anything outside 1..2^63-1 can name no download.
DownloadId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class CheckInBody(ApiModel):
    ids: list[DownloadId] = Field(max_length=1000, description="The saved downloads to check in.")


class CheckInOut(ApiModel):
    id: int
    status: Literal["ok", "revoked", "gone"] = Field(
        description="'revoked' and 'gone': delete the saved copy."
    )
    reason: str | None
    expires_at: float | None = Field(description="The next check-in is due by then.")


class CheckInList(ApiModel):
    results: list[CheckInOut]
    checkin_days: float
    server_time: float = Field(
        description="The server's time of this check-in (Unix seconds): offline, the browser "
        "judges expiry by it carried forward, not by a device clock that may have been set back."
    )
