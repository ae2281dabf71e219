"""The ratings API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.social.ratings.records import Owner, RatedTitle, RatingSummary, Review
from mediaserver.social.ratings.text import MAX_CHARS


class SummaryOut(ApiModel):
    title_id: int
    count: int
    average: float | None = Field(description="Stars, one decimal; null with no ratings.")
    distribution: list[int] = Field(description="Ratings of 1, 2, 3, 4 and 5 stars (halves "
                                    "round up).")  # fmt: skip
    mine: float | None = Field(description="This profile's rating in stars.")

    @classmethod
    def of(cls, s: RatingSummary) -> SummaryOut:
        return cls(title_id=s.title_id, count=s.count, average=s.average,
                   distribution=list(s.distribution), mine=s.mine_stars)  # fmt: skip


class ReviewOut(ApiModel):
    id: int
    title_id: int
    title: str
    profile_id: int
    author: str = Field(description="The profile name.")
    avatar: str
    text: str = Field(description="Plain text as typed; escape it wherever it is shown.")
    spoiler: bool
    created_at: float = Field(description="Unix time.")
    updated_at: float
    helpful_count: int
    rating: float | None = Field(description="The author's rating of the title, in stars.")
    helpful: bool = Field(description="This profile marked it helpful.")
    mine: bool

    @classmethod
    def of(cls, r: Review) -> ReviewOut:
        return cls(
            id=r.id, title_id=r.title_id, title=r.title_name, profile_id=r.profile_id,
            author=r.author, avatar=r.avatar, text=r.text, spoiler=r.spoiler,
            created_at=r.created_at, updated_at=r.updated_at, helpful_count=r.helpful_count,
            rating=r.rating_stars, helpful=r.helpful, mine=r.mine,
        )  # fmt: skip


class RatingsOut(ApiModel):
    summary: SummaryOut
    reviews: list[ReviewOut]


class RatingBody(ApiModel):
    # Checked by the service (422 outside 0.5..5 or off the half steps).
    value: float = Field(description="0.5 to 5 stars, in steps of 0.5.")


class ReviewBody(ApiModel):
    # The length limit is checked after invisible characters are removed (422 beyond it).
    text: str = Field(description=f"Up to {MAX_CHARS} characters.")
    spoiler: bool = False


class ReviewEnvelope(ApiModel):
    review: ReviewOut


class RatedOut(ApiModel):
    title_id: int
    title: str
    year: int | None
    value: float = Field(description="Stars.")
    updated_at: float

    @classmethod
    def of(cls, r: RatedTitle) -> RatedOut:
        return cls(title_id=r.title_id, title=r.title_name, year=r.year, value=r.value_stars,
                   updated_at=r.updated_at)  # fmt: skip


class ProfileClipOut(ApiModel):
    name: str
    title: str
    duration: float
    url: str


class ProfilePageOut(ApiModel):
    profile_id: int
    name: str
    avatar: str
    public: bool = Field(description="Other accounts may see the page.")
    own: bool = Field(description="The page belongs to this account's profile.")
    ratings: list[RatedOut]
    reviews: list[ReviewOut]
    clips: list[ProfileClipOut]


class PublicBody(ApiModel):
    public: bool


def owner_fields(o: Owner) -> dict[str, object]:
    return {"profile_id": o.id, "name": o.name, "avatar": o.avatar, "public": o.public}
