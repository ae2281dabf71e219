"""The recommendations API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.catalog import Row, TitleCard
from mediaserver.http.api import ApiModel


class RecoCardOut(ApiModel):
    id: int
    kind: Literal["movie", "series"]
    title: str
    year: int | None
    maturity_rating: str | None
    poster: str | None = Field(description="URL of the selected poster; null when there is none.")
    in_my_list: bool
    progress: float | None = Field(description="0..1 watched of what the card resumes.")
    note: str | None = Field(description='Why it is there, e.g. "Because you watched Heat".')
    play: str | None = Field(description="Where the card's play button goes.")
    href: str = Field(description="The title page.")

    @classmethod
    def of(cls, card: TitleCard) -> RecoCardOut:
        return cls.model_validate(card.as_json())


class RecoRowOut(ApiModel):
    key: str = Field(description="reco-top, reco-because, reco-trending or reco-new.")
    heading: str
    href: str | None = Field(description="The onboarding page when the picks are not personal.")
    titles: list[RecoCardOut]

    @classmethod
    def of(cls, row: Row) -> RecoRowOut:
        return cls(key=row.key, heading=row.heading, href=row.href,
                   titles=[RecoCardOut.of(c) for c in row.cards])  # fmt: skip


class RecommendationsOut(ApiModel):
    rows: list[RecoRowOut] = Field(description="Only rows with something to show, in page order.")
    personal: bool = Field(description="False: popular picks, the profile has no signals yet.")


class RecoCardsOut(ApiModel):
    titles: list[RecoCardOut]


class RecoNotInterestedOut(ApiModel):
    title_id: int
    not_interested: bool


class RecoNotInterestedListOut(ApiModel):
    title_ids: list[int] = Field(description="Newest first.")


class RecoOnboardingBody(ApiModel):
    title_ids: list[int] = Field(min_length=1, max_length=50, description="Titles it likes.")


class RecoOnboardingOut(ApiModel):
    kept: int = Field(description="How many of the picks this profile may see were kept.")
    job_id: int = Field(description="The training run queued so personal picks follow.")


class RecoTrainOut(ApiModel):
    job_id: int
    status: str
    merged: bool = Field(description="True: a run was already waiting; no other was queued.")


class RecoRunOut(ApiModel):
    finished_at: float | None = Field(description="Unix time of the last run; null: never.")
    profiles: int
    titles: int
    interactions: int
    seconds: float


class SearchOpenedBody(ApiModel):
    title_id: int = Field(ge=1, le=2**53)
    query: str = Field("", max_length=200, description="What the search box held.")
    ref: str = Field(
        "",
        max_length=64,
        description="The `sref` parameter of the result's link (signed, expires).",
    )


class SearchOpenedOut(ApiModel):
    recorded: bool = Field(
        description="False when the reference is not this profile's search of this query or "
        "has expired (a title the profile may not see is not found)."
    )


class SearchPlayOut(ApiModel):
    query: str
    title_id: int
    played_at: float = Field(description="Unix time the play started.")


class SearchPlaysOut(ApiModel):
    plays: list[SearchPlayOut] = Field(description="Newest first.")
