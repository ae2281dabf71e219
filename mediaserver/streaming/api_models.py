"""Answers of the streaming JSON API (the playback decision and the admin's active streams), as
the OpenAPI document describes them; the request body is `playback_body.PlaybackBody`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.streaming.active import ActiveStream
from mediaserver.streaming.methods import PlaybackMethod
from mediaserver.streaming.playback_menus import OfferAudio, OfferRung, OfferTrickplay
from mediaserver.streaming.store import Chapter

# ----- the playback answer -----


class PlaybackSubtitleOut(ApiModel):
    id: int
    language: str | None
    name: str
    forced: bool
    default: bool
    burn_in_only: bool
    url: str | None = Field(description="Signed WebVTT URL; null for picture subtitles.")


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
    rungs: list[OfferRung]
    audio: list[OfferAudio]
    subtitles: list[PlaybackSubtitleOut]
    trickplay: OfferTrickplay | None
    chapters: list[Chapter]
    poster: str | None


class PlaybackRenewOut(ApiModel):
    play_id: str
    media_file_id: int
    token: str = Field(description="Replaces the old token in every media URL of the play.")
    expires_at: int = Field(description="Unix time the new media token expires.")


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
    position_seconds: float | None = Field(
        default=None, description="Where the player last said it was; null before it reported."
    )
    paused: bool = Field(default=False, description="The player last said it was paused.")

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
            last_seen_at=max(entry.last_seen, entry.heartbeat_at or 0.0),
            position_seconds=entry.position,
            paused=entry.paused,
        )


class ActiveStreamsOut(ApiModel):
    streams: list[ActiveStreamOut]


class StreamStoppedOut(ApiModel):
    play_id: str
    stopped: bool


# ----- the account's own streams -----


class MyStreamOut(ApiModel):
    play_id: str
    device: str
    title: str
    profile: str
    started_at: float
    this_device: bool = Field(description="Started from the browser or API key asking.")
    stop: str = Field(description="POST here to stop it (every play of that device).")


class MyStreamsOut(ApiModel):
    streams: list[MyStreamOut]
    limit: int = Field(description="Devices the account may stream on at once; 0: no limit.")
