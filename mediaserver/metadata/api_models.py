"""The metadata API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel


class MatchOut(ApiModel):
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


class MatchList(ApiModel):
    matches: list[MatchOut]


class SearchQuery(ApiModel):
    q: str = Field(min_length=1, max_length=200, description="The name to search for.")
    year: int | None = Field(None, ge=1870, le=2200)


class CandidateOut(ApiModel):
    provider: str
    provider_id: str
    kind: Literal["movie", "series"]
    title: str
    year: int | None
    original_title: str | None
    overview: str
    confidence: float


class SearchOut(ApiModel):
    candidates: list[CandidateOut]
    errors: list[str] = Field(description="Providers that could not be asked, and why.")


class IdentifyBody(ApiModel):
    provider: str = Field(min_length=1, max_length=32)
    provider_id: str = Field(min_length=1, max_length=64)
    prefer_provider: bool = Field(
        False, description="Provider values replace the NFO's (locked fields stay)."
    )


class RefreshOut(ApiModel):
    title_id: int
    outcome: str
    message: str = ""


class QueuedOut(ApiModel):
    titles: int
    jobs: int
