"""Poster tests at the API edge."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from mediaserver.http.api import ApiModel
from mediaserver.recommend.artwork_ab.sampling import ArmStats

VIEW_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


class PosterCandidate(ApiModel):
    image_id: int
    url: str = Field(description="The candidate's image.")
    impressions: int = Field(description="Cards at least half visible for a second, once a view.")
    plays: int = Field(description="Plays started after opening a card showing it.")
    rate: float = Field(description="Posterior mean play rate.")
    low: float = Field(description="95% credible interval, lower end.")
    high: float = Field(description="95% credible interval, upper end.")
    p_best: float = Field(description="Probability that it has the highest play rate.")

    @classmethod
    def of(cls, s: ArmStats, title_id: int) -> PosterCandidate:
        return cls(image_id=s.image_id, url=f"/images/titles/{title_id}/poster?c={s.image_id}",
                   impressions=s.impressions, plays=s.plays, rate=s.rate, low=s.low,
                   high=s.high, p_best=s.p_best)  # fmt: skip


class PosterTest(ApiModel):
    title_id: int
    title: str
    state: Literal["exploring", "won", "pinned"]
    served: int | None = Field(description="The candidate everyone sees (pinned or won).")
    candidates: list[PosterCandidate]


class PosterTests(ApiModel):
    tests: list[PosterTest]


class PosterSeen(ApiModel):
    title_id: int = Field(ge=1, le=2**53)
    image_id: int = Field(ge=1, le=2**53)


class PosterImpressions(ApiModel):
    view_id: str = Field(description="A random id of this page view (8-64 letters, digits, -).")
    items: list[PosterSeen] = Field(max_length=200)

    @field_validator("view_id")
    @classmethod
    def _view(cls, value: str) -> str:
        if not VIEW_ID.fullmatch(value):
            raise ValueError("must be 8-64 letters, digits or dashes")
        return value


class PosterImpressionsCounted(ApiModel):
    counted: int = Field(description="Impressions counted (others were already counted).")


class PosterClick(ApiModel):
    title_id: int = Field(ge=1, le=2**53)
    image_id: int = Field(ge=1, le=2**53)


class PosterClickRecorded(ApiModel):
    recorded: bool = Field(description="False when the title is not under test for you.")


class PosterPin(ApiModel):
    image_id: int | None = Field(description="The candidate to serve to all; null unpins.")
