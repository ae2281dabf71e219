"""Bodies of the streaming JSON API (the playback decision and the admin's active streams), as
the OpenAPI document describes them.

The playback body is still checked by playback_request.parse_request, so the error messages a
player sees stay as they were; PlaybackBody describes what it accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from mediaserver.http.api import ApiModel
from mediaserver.streaming.active import ActiveStream
from mediaserver.streaming.methods import PlaybackMethod, Prefer

# ----- the request -----


MAX_MSE_ENTRIES = 64
MAX_MIME_LENGTH = 200
MimeType = Annotated[str, StringConstraints(max_length=MAX_MIME_LENGTH)]


class PlaybackBody(ApiModel):
    """What the player asks for and can decode. Unknown keys are refused (400); a value of the
    wrong type is refused too, never converted (strict)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    mse: dict[MimeType, bool] | None = Field(
        None,
        max_length=MAX_MSE_ENTRIES,
        description="MediaSource.isTypeSupported answers keyed by the MIME string tested.",
    )
    native_hls: bool = False
    start: float = Field(0, ge=0, le=7 * 86400, allow_inf_nan=False, description="Seconds.")
    prefer: Prefer = "auto"
    max_height: int | None = Field(None, ge=0, le=10_000, description="0 or absent: no cap.")
    audio: int | None = Field(None, ge=0, le=9999, description="An audio stream index.")
    subtitle_burn: int | None = Field(
        None, ge=0, le=2**31 - 1, description="A picture subtitle track id to burn in."
    )

    @field_validator("mse", mode="before")
    @classmethod
    def _no_answers(cls, value: Any) -> Any:
        return value or None  # null, false, "" or {}: no MSE answers


# ----- the playback answer -----


class PlaybackRungOut(ApiModel):
    name: str
    width: int | None
    height: int | None
    bandwidth: int | None


class PlaybackAudioOut(ApiModel):
    index: int
    language: str | None
    name: str
    channels: int | None
    default: bool


class PlaybackSubtitleOut(ApiModel):
    id: int
    language: str | None
    name: str
    forced: bool
    default: bool
    burn_in_only: bool
    url: str | None = Field(description="Signed WebVTT URL; null for picture subtitles.")


class PlaybackTrickplayOut(ApiModel):
    vtt: str
    interval: float
    tile_width: int
    tile_height: int


class PlaybackChapterOut(ApiModel):
    title: str | None
    start: float
    end: float | None


class PlaybackOut(ApiModel):
    play_id: str
    media_file_id: int
    title: str
    duration_seconds: float | None
    method: PlaybackMethod
    reason: str
    url: str = Field(description="The signed media URL to play.")
    type: Literal["hls", "file"]
    mime: str
    expires_at: int = Field(description="Unix time the media token expires.")
    rungs: list[PlaybackRungOut]
    audio: list[PlaybackAudioOut]
    subtitles: list[PlaybackSubtitleOut]
    trickplay: PlaybackTrickplayOut | None
    chapters: list[PlaybackChapterOut]
    poster: str | None


# ----- the admin's active streams -----


class ActiveStreamOut(ApiModel):
    play_id: str
    user_id: int
    user: str
    profile_id: int
    profile: str
    media_file_id: int
    title: str
    client: str = Field(description="The User-Agent as sent (cut).")
    device: str
    method: PlaybackMethod
    reason: str
    rung: str | None
    bandwidth_bps: int
    bytes_sent: int
    started_at: float
    last_seen_at: float

    @classmethod
    def of(cls, entry: ActiveStream, now: float) -> ActiveStreamOut:
        return cls(
            play_id=entry.play_id,
            user_id=entry.user_id,
            user=entry.user_name,
            profile_id=entry.profile_id,
            profile=entry.profile_name,
            media_file_id=entry.media_file_id,
            title=entry.title,
            client=entry.client,
            device=entry.device,
            method=entry.method,
            reason=entry.reason,
            rung=entry.rung,
            bandwidth_bps=entry.bandwidth_bps(now),
            bytes_sent=entry.bytes_total,
            started_at=entry.started_at,
            last_seen_at=entry.last_seen,
        )


class ActiveStreamsOut(ApiModel):
    streams: list[ActiveStreamOut]


class StreamStoppedOut(ApiModel):
    play_id: str
    stopped: bool
