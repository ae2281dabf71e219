"""Intro detection's records at the API edge: a season's episodes with their skip markers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from mediaserver.http.api import ApiModel

if TYPE_CHECKING:
    from mediaserver.catalog.markers import Marker


class IntroMarker(ApiModel):
    start: float = Field(description="Seconds from the start of the file.")
    end: float = Field(description="Seconds from the start of the file.")
    source: str = Field(description="chapter (from chapter names), detected or admin.")

    @classmethod
    def of(cls, marker: Marker | None) -> IntroMarker | None:
        return None if marker is None else cls(start=marker.start, end=marker.end,
                                               source=marker.source)  # fmt: skip

    @classmethod
    def span(cls, start: float | None, end: float | None) -> IntroMarker | None:
        if start is None or end is None:
            return None
        return cls(start=round(start, 2), end=round(end, 2), source="detected")


class IntroEpisode(ApiModel):
    media_file_id: int
    episode_number: int
    episode_title: str | None
    duration: float | None
    intro: IntroMarker | None = Field(description="The intro the player skips (effective).")
    credits: IntroMarker | None = Field(description="The credits the player skips (effective).")
    detected_intro: IntroMarker | None = Field(description="What detection last found.")
    detected_credits: IntroMarker | None = Field(description="What detection last found.")
    intro_locked: bool = Field(description="An admin corrected the intro: detection leaves it.")
    credits_locked: bool = Field(description="An admin corrected the credits.")
    detected_at: float | None = Field(description="When detection last ran (epoch seconds).")


class IntroSeason(ApiModel):
    season_id: int
    name: str
    episodes: list[IntroEpisode]


class IntroDetectQueued(ApiModel):
    job_id: int = Field(description="The detection job (already queued or running: that one).")


class IntroCorrection(ApiModel):
    """Times as seconds or "m:ss"; both of a kind empty or null clears it; a kind not given is
    left as it is. Corrected kinds are locked against detection unless `unlock` is true."""

    intro_start: float | str | None = None
    intro_end: float | str | None = None
    credits_start: float | str | None = None
    credits_end: float | str | None = None
    unlock: bool = Field(False, description="Let detection set this file's markers again.")


@dataclass(frozen=True, slots=True)
class SeasonSummary:
    season_id: int
    number: int
    series_id: int
    series: str
    episodes: int
    intros: int
    credits: int
    detected_at: float | None
