"""What providers answer, as typed records: search results and a title's details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TitleKind = Literal["movie", "series"]
ImageKind = Literal["poster", "fanart", "logo", "thumb"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One candidate a provider found."""

    provider: str
    provider_id: str
    kind: TitleKind
    title: str
    year: int | None = None
    original_title: str | None = None
    overview: str = ""
    popularity: float = 0.0


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image on a provider's host; `url` is fetched only through the safe fetcher."""

    kind: ImageKind
    url: str
    language: str | None = None
    width: int | None = None
    height: int | None = None
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Credit:
    name: str
    role: Literal["actor", "director", "writer", "producer"]
    character: str | None = None
    photo_url: str | None = None


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    season: int
    number: int
    title: str | None = None
    overview: str | None = None
    air_date: str | None = None  # YYYY-MM-DD
    runtime_seconds: float | None = None
    still_url: str | None = None


@dataclass(frozen=True, slots=True)
class SeasonInfo:
    number: int
    title: str | None = None
    overview: str | None = None
    poster_url: str | None = None


@dataclass(frozen=True, slots=True)
class TitleInfo:
    """Everything a provider knows about one movie or series."""

    provider: str
    provider_id: str
    kind: TitleKind
    title: str
    original_title: str | None = None
    year: int | None = None
    overview: str | None = None
    tagline: str | None = None
    genres: tuple[str, ...] = ()
    credits: tuple[Credit, ...] = ()
    studios: tuple[str, ...] = ()
    maturity_rating: str | None = None  # on our scale, mapped by the provider module
    community_rating: float | None = None
    runtime_seconds: float | None = None
    collection: tuple[str, str] | None = None  # (id, name)
    images: tuple[ImageRef, ...] = ()
    ids: dict[str, str] = field(default_factory=dict)  # imdb, tmdb, tvdb, tvmaze
    airing: bool = False
    seasons: tuple[SeasonInfo, ...] = ()
    episodes: tuple[EpisodeInfo, ...] = ()
