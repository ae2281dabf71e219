"""The records tagging hands around: a title's tag and a title's review (its tags and the
analysis behind them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mediaserver.recommend.tagging.vocabulary import TagKind

Source = Literal["offline", "claude", "admin"]
TagStatus = Literal["suggested", "accepted", "rejected"]
ReviewStatus = Literal["suggested", "accepted", "rejected", "all"]
BulkAction = Literal["accept", "reject", "reopen"]
STATUS_OF: dict[BulkAction, TagStatus] = {
    "accept": "accepted",
    "reject": "rejected",
    "reopen": "suggested",
}


@dataclass(frozen=True, slots=True)
class TitleTag:
    id: int
    title_id: int
    tag: str
    kind: TagKind
    source: Source
    status: TagStatus
    score: float


@dataclass(frozen=True, slots=True)
class TitleReview:
    """A title as the review page shows it."""

    title_id: int
    title: str
    year: int | None
    maturity_rating: str | None
    tags: list[TitleTag]
    features: dict[str, Any]  # the analysis' measures (see analysis.analyse), {} before one
    source: Source | None  # who made the last suggestions; None before any analysis
    summary: str | None
    suggested_rating: str | None
    note: str | None  # why Claude's answer was not used
    seconds: float | None
    analysed_at: float | None

    def with_status(self, status: TagStatus) -> list[TitleTag]:
        return [t for t in self.tags if t.status == status]
