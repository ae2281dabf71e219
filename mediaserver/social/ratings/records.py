"""Rating and review records at the domain edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ReviewSort = Literal["helpful", "new"]


def stars(half_stars: int) -> float:
    """Half stars as stars: 7 is 3.5."""
    return half_stars / 2


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """A title's ratings as its page shows them, and this profile's own."""

    title_id: int
    count: int
    total: int  # half stars
    distribution: tuple[int, int, int, int, int]  # ratings rounding up to 1..5 stars
    mine: int | None  # half stars

    @property
    def average(self) -> float | None:
        """Average in stars, one decimal; None with no ratings."""
        return round(self.total / self.count / 2, 1) if self.count else None

    @property
    def mine_stars(self) -> float | None:
        return stars(self.mine) if self.mine is not None else None

    def share(self, index: int) -> int:
        """Percent of the ratings in the bar for `index + 1` stars."""
        return round(100 * self.distribution[index] / self.count) if self.count else 0


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    title_id: int
    title_name: str
    profile_id: int
    author: str
    avatar: str
    text: str  # as typed; escape wherever shown
    spoiler: bool
    created_at: float
    updated_at: float
    helpful_count: int
    rating: int | None  # the author's rating of the title, half stars
    helpful: bool  # the viewer marked it helpful
    mine: bool

    @property
    def rating_stars(self) -> float | None:
        return stars(self.rating) if self.rating is not None else None

    @classmethod
    def of(cls, row: Any, viewer_profile_id: int) -> Review:
        m = row._mapping
        return cls(
            m["id"], m["title_id"], m["title_name"], m["profile_id"], m["author"], m["avatar"],
            m["text"], bool(m["spoiler"]), m["created_at"], m["updated_at"], m["helpful_count"],
            m["rating"], bool(m["helpful"]), m["profile_id"] == viewer_profile_id,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RatedTitle:
    """One of a profile's ratings, for its profile page."""

    title_id: int
    title_name: str
    year: int | None
    value: int  # half stars
    updated_at: float

    @property
    def value_stars(self) -> float:
        return stars(self.value)


@dataclass(frozen=True, slots=True)
class Owner:
    """The profile a profile page belongs to."""

    id: int
    user_id: int
    name: str
    avatar: str
    public: bool
