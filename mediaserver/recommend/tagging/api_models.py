"""The tagging API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.recommend.tagging.records import (
    BulkAction,
    ReviewStatus,
    Source,
    TagStatus,
    TitleReview,
    TitleTag,
)
from mediaserver.recommend.tagging.vocabulary import MAX_TAG, TagKind

# Ids as the database holds them (32-bit on PostgreSQL): larger ones are refused, not a 500.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
TAG_DOC = "Lower-case words joined by hyphens ('Slow burn' is stored as 'slow-burn')."


class TagOut(ApiModel):
    id: int
    title_id: int
    tag: str
    kind: TagKind
    source: Source = Field(description="Who suggested it: the offline analysis, Claude, an admin.")
    status: TagStatus
    score: float = Field(description="How clearly the evidence points at it, 0 to 1.")

    @classmethod
    def of(cls, t: TitleTag) -> TagOut:
        return cls(
            id=t.id,
            title_id=t.title_id,
            tag=t.tag,
            kind=t.kind,
            source=t.source,
            status=t.status,
            score=t.score,
        )


class TitleTagsOut(ApiModel):
    title_id: int
    title: str
    year: int | None
    maturity_rating: str | None
    tags: list[TagOut]
    features: dict[str, Any] = Field(description="What the last analysis measured.")
    source: Source | None = Field(description="Who made the last suggestions; null before any.")
    summary: str | None = Field(description="Claude's one-paragraph summary, when it answered.")
    suggested_rating: str | None
    note: str | None = Field(description="Why Claude's answer was not used, when it was asked.")
    analysed_at: float | None = Field(description="Unix time.")

    @classmethod
    def of(cls, r: TitleReview) -> TitleTagsOut:
        return cls(
            title_id=r.title_id,
            title=r.title,
            year=r.year,
            maturity_rating=r.maturity_rating,
            tags=[TagOut.of(t) for t in r.tags],
            features=r.features,
            source=r.source,
            summary=r.summary,
            suggested_rating=r.suggested_rating,
            note=r.note,
            analysed_at=r.analysed_at,
        )


class TagReviewQuery(ApiModel):
    status: ReviewStatus = Field("suggested", description="Titles with a tag in this status.")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


class TagReviewListOut(ApiModel):
    titles: list[TitleTagsOut]
    total: int
    page: int


class TagEditBody(ApiModel):
    action: BulkAction | None = Field(None, description="accept, reject or reopen the tag.")
    tag: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_TAG * 2,
        description="Rename it (which accepts it). " + TAG_DOC,
    )


class TagAddBody(ApiModel):
    tag: str = Field(min_length=1, max_length=MAX_TAG * 2, description=TAG_DOC)


class TagEnvelope(ApiModel):
    tag: TagOut


class TagBulkBody(ApiModel):
    action: BulkAction
    tag_ids: list[Id] = Field(default_factory=list, max_length=1000, description="These tags.")
    title_ids: list[Id] = Field(
        default_factory=list, max_length=1000, description="Every open suggestion of these titles."
    )


class TagBulkOut(ApiModel):
    changed: int


class TagAnalyseBody(ApiModel):
    title_ids: list[Id] = Field(
        default_factory=list, max_length=1000, description="Analyse these titles again."
    )
    unanalysed: bool = Field(False, description="Also every title never analysed.")


class TagJobsOut(ApiModel):
    job_ids: list[int]


class ViewerTagsOut(ApiModel):
    title_id: int
    tags: list[str] = Field(description="Accepted tags; search with /api/v1/search?tag=<tag>.")


class TagCountOut(ApiModel):
    tag: str
    kind: TagKind
    titles: int = Field(description="Titles the acting profile may see with this tag.")


class TagCloudOut(ApiModel):
    tags: list[TagCountOut]
