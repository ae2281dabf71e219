"""The playback request body: what the player asks for and can decode.

`playback_request.parse_request` validates with it and words the errors a player sees.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from mediaserver.http.api import ApiModel
from mediaserver.streaming.methods import Prefer

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


class PlaybackRenewBody(ApiModel):
    """The play's current media token, to be swapped for a fresh one."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    token: str = Field(
        min_length=1,
        max_length=200,
        description="The token part of the play's media URLs (/media/t/<token>/...).",
    )
    for_device: bool = Field(
        False,
        description="For a device that cannot renew it (Chromecast, AirPlay): the token lasts "
        "the title's length more (streaming.device_token_ttl_seconds at most).",
    )
