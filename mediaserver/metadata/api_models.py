"""The metadata API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel


class ProviderMatchOut(ApiModel):
    title_id: int
    status: Literal["matched", "to_confirm", "unmatched", "failed", "none"] = Field(
        description="none: no provider has looked at the title yet."
    )
    provider: str | None = None
    provider_id: str | None = None
    method: str | None = Field(None, description="id, search or admin.")
    confidence: float | None = None
    candidate_title: str | None = None
    candidate_year: int | None = None
    error: str | None = None
    prefer_provider: bool = False


class ProviderMatchList(ApiModel):
    matches: list[ProviderMatchOut]


class ProviderSearchQuery(ApiModel):
    q: str = Field(min_length=1, max_length=200, description="The name to search for.")
    year: int | None = Field(None, ge=1870, le=2200)


class ProviderCandidateOut(ApiModel):
    provider: str
    provider_id: str
    kind: Literal["movie", "series"]
    title: str
    year: int | None
    original_title: str | None
    overview: str
    confidence: float


class ProviderSearchOut(ApiModel):
    candidates: list[ProviderCandidateOut]
    errors: list[str] = Field(description="Providers that could not be asked, and why.")


class ProviderIdentifyBody(ApiModel):
    provider: str = Field(min_length=1, max_length=32)
    provider_id: str = Field(min_length=1, max_length=64)
    prefer_provider: bool = Field(
        False, description="Provider values replace the NFO's (locked fields stay)."
    )


class MetadataRefreshOut(ApiModel):
    title_id: int
    outcome: str
    message: str = ""


class MetadataQueuedOut(ApiModel):
    titles: int
    jobs: int
