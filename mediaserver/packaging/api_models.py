"""Bodies of the packaging JSON API (a file's ladder as status information, queueing a package
job, the hardware encoder detection), as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.packaging.records import Ladder, LadderAudio, LadderRung, LadderStatus, to_json


class LadderSubtitleOut(ApiModel):
    language: str | None
    name: str | None
    forced: bool
    default: bool
    burn_in_only: bool


class LadderTrickplayOut(ApiModel):
    interval: float
    tile_width: int
    tile_height: int


class LadderOut(ApiModel):
    media_file_id: int
    status: LadderStatus
    error: str | None
    published: bool
    published_at: float | None
    duration_seconds: float | None
    encoder: str | None
    rungs: list[LadderRung]
    audio: list[LadderAudio]
    subtitles: list[LadderSubtitleOut]
    trickplay: LadderTrickplayOut | None
    posters: int = Field(description="How many poster candidates were taken.")
    playback: str = Field(description="Where to ask for playback (signed media URLs).")

    @classmethod
    def of(cls, ladder: Ladder) -> LadderOut:
        trick = ladder.trickplay
        return cls(
            media_file_id=ladder.media_file_id,
            status=ladder.status,
            error=ladder.error,
            published=ladder.published,
            published_at=ladder.published_at,
            duration_seconds=ladder.duration_seconds,
            encoder=ladder.encoder,
            rungs=list(ladder.rungs),
            audio=list(ladder.audio),
            subtitles=[LadderSubtitleOut.model_validate(to_json(s)) for s in ladder.subtitles],
            trickplay=LadderTrickplayOut(
                interval=trick.interval, tile_width=trick.tile_width, tile_height=trick.tile_height
            )
            if trick is not None
            else None,
            posters=len(ladder.posters),
            playback=f"/api/v1/playback/{ladder.media_file_id}",
        )


class PackageQueuedOut(ApiModel):
    job_id: int
    status: Literal["queued"]


class HwaccelOut(ApiModel):
    """What was asked for, which H.264 encoder ladders use, what works here, and why."""

    requested: str
    active_encoder: str
    available: list[str]
    reason: str
    failures: dict[str, str] = Field(description="Hardware kind -> why it did not work.")
    detecting: bool = Field(description="True until start-up detection has finished.")
    hardware: str | None = Field(description="The hardware kind in use; null for software.")
