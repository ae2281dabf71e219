"""The catalog API's bodies, as the OpenAPI document describes them: title cards, home rows, a
title's details and seasons, search, My List, Watch History, resume positions, plays, player
preferences and skip markers. Each answer model has exactly the fields its handler sends (the
records' `as_json`); tests/catalog/test_api_models.py holds real answers against them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.catalog.browse import Genre, TitleKind
from mediaserver.catalog.plays import PlayMethod
from mediaserver.catalog.preferences import SubtitleBackground, SubtitleSize
from mediaserver.catalog.search_filters import SearchSort, Watched
from mediaserver.catalog.title_records import CastMember
from mediaserver.http.api import ApiModel

# ----- browsing -----


class TitleCardOut(ApiModel):
    id: int
    kind: TitleKind
    title: str
    year: int | None
    maturity_rating: str | None
    poster: str | None = Field(description="URL of the selected poster; null when there is none.")
    in_my_list: bool
    progress: float | None = Field(description="0..1 watched of what the card resumes.")
    note: str | None = Field(description='A line under the title, e.g. "Next up · S1:E3".')
    play: str | None = Field(description="Where the card's play button goes.")
    href: str = Field(description="The title page.")


class WatchNextOut(ApiModel):
    titles: list[TitleCardOut] = Field(description="Titles to offer after this one, best first.")


class HomeRowOut(ApiModel):
    key: str = Field(description="continue, recent, my-list, because or genre-<id>.")
    heading: str
    href: str | None = Field(description='"See all" (a genre page, My List).')
    titles: list[TitleCardOut]


class FeaturedOut(TitleCardOut):
    description: str
    genres: list[str]


class HomeOut(ApiModel):
    featured: FeaturedOut | None
    rows: list[HomeRowOut]


class LanguageOut(ApiModel):
    code: str = Field(description='Primary language tag, e.g. "en".')
    name: str


class SeasonSummaryOut(ApiModel):
    number: int = Field(description="0 for specials.")
    name: str
    episodes: int
    poster: str | None = Field(description="The season's poster, in the profile's language.")


class PlayOfferOut(ApiModel):
    media_file_id: int
    play: str
    resume: str | None
    start_over: str | None
    position_seconds: float | None
    episode: str | None = Field(description='"S1:E2 · Name" for an episode.')


class CatalogTitleOut(ApiModel):
    id: int
    kind: TitleKind
    title: str
    year: int | None
    maturity_rating: str | None
    poster: str | None
    in_my_list: bool
    progress: float | None
    note: str | None
    play: PlayOfferOut | None = Field(description="Play, Resume or Next Up; null: nothing plays.")
    href: str
    original_title: str | None
    description: str
    tagline: str | None
    community_rating: float | None
    runtime_seconds: float | None
    backdrop: str | None
    logo: str | None = Field(description="The title's logo (its name drawn), if there is one.")
    genres: list[Genre]
    cast: list[CastMember]
    directors: list[str]
    audio_languages: list[LanguageOut]
    subtitle_languages: list[LanguageOut]
    seasons: list[SeasonSummaryOut]


class EpisodeOut(ApiModel):
    id: int
    season: int
    episode: int
    episode_end: int | None
    title: str | None
    description: str
    runtime_seconds: float | None
    media_file_id: int | None
    thumbnail: str | None
    air_date: str | None = Field(description="YYYY-MM-DD; may be in the future.")
    position_seconds: float | None
    watched: bool


class SeasonOut(ApiModel):
    episodes: list[EpisodeOut]


# ----- search -----


class SearchQuery(ApiModel):
    """The /search page's filters; an empty value means "any"."""

    q: str | None = Field(default=None, max_length=200)
    type: Literal["movie", "series", ""] | None = None
    genre: str | None = Field(default=None, description="A genre id.")
    year_from: str | None = None
    year_to: str | None = None
    runtime_min: str | None = Field(default=None, description="Minutes.")
    runtime_max: str | None = Field(default=None, description="Minutes.")
    audio: str | None = Field(default=None, description='A language code, e.g. "en".')
    subtitles: str | None = Field(default=None, description='A language code, e.g. "fr".')
    rating: list[str] | str | None = Field(default=None, description="Repeatable.")
    watched: Literal["yes", "no", ""] | None = None
    min_stars: str | None = Field(default=None, description="Average rating at least 1 to 5.")
    tag: str | None = Field(default=None, description="An accepted tag, e.g. \"slow-burn\".")
    sort: Literal["relevance", "title", "year", "added", "stars", ""] | None = None
    page: str | None = Field(default=None, description="1 to 1000.")


class SearchFiltersOut(ApiModel):
    q: str
    type: TitleKind | None
    genre: int | None
    year_from: int | None
    year_to: int | None
    runtime_min: int | None
    runtime_max: int | None
    audio: str | None
    subtitles: str | None
    rating: list[str]
    watched: Watched | None
    min_stars: int | None
    tag: str | None
    sort: SearchSort
    page: int


class SearchOut(ApiModel):
    filters: SearchFiltersOut
    url: str = Field(description="The /search page with these filters.")
    titles: list[TitleCardOut]
    next: str | None = Field(description="The next page of results; null on the last.")
    corrections: dict[str, str] = Field(
        description="Typed words also read as these known words (one typo forgiven)."
    )
    word_starts_only: bool = Field(
        description="The words were under three letters: only title word starts matched."
    )


# ----- My List and Watch History -----


class MyListOut(ApiModel):
    titles: list[TitleCardOut] = Field(description="Newest addition first.")


class MyListBody(ApiModel):
    title_id: int = Field(gt=0)


class MyListChangeOut(ApiModel):
    title_id: int
    in_my_list: bool


class HistoryQuery(ApiModel):
    before: float | None = Field(default=None, description="updated_at of the last entry seen.")


class HistoryEntryOut(ApiModel):
    media_file_id: int
    title_id: int
    title: str
    kind: TitleKind
    year: int | None
    episode: str | None = Field(description='"S1:E3 · Pilot" for an episode.')
    position_seconds: float
    duration_seconds: float | None
    watched: bool
    updated_at: float


class HistoryOut(ApiModel):
    entries: list[HistoryEntryOut] = Field(description="Newest first.")


class HistoryClearedOut(ApiModel):
    removed: int


# ----- the player -----


class ProgressBody(ApiModel):
    position: float = Field(ge=0, description="Seconds.")
    duration: float | None = Field(default=None, ge=0, description="Seconds, as the player saw.")
    play_id: int | None = Field(default=None, description="The play this position belongs to.")
    paused: bool | None = Field(default=None, description="Whether the player is paused.")


class ProgressOut(ApiModel):
    media_file_id: int
    position_seconds: float
    duration_seconds: float | None
    watched: bool
    resume_seconds: float = Field(description="Where Resume starts (0 once the end was reached).")
    updated_at: float


class PlayReportBody(ApiModel):
    """Running totals; a field left out keeps its value, and totals never go down."""

    time_to_first_frame_ms: int | None = None
    rebuffer_count: int | None = None
    rebuffer_seconds: float | None = None
    rung_switches: int | None = None
    seconds_watched: float | None = None
    rungs: list[str] | str | None = Field(default=None, description='Rung names, e.g. "720p".')
    fatal_error: str | None = None
    ended: bool | str | None = None
    position: float | None = Field(default=None, ge=0, description="Seconds reached (heartbeat).")
    paused: bool | str | None = Field(default=None, description="Whether the player is paused.")


class PlayStartBody(PlayReportBody):
    media_file_id: int
    method: PlayMethod


class PlayerPreferencesOut(ApiModel):
    volume: float
    muted: bool
    subtitle_size: SubtitleSize
    subtitle_background: SubtitleBackground
    subtitle_language: str | None = Field(description="null: subtitles off.")
    audio_language: str | None = Field(description="null: the file's default track.")
    speed: float


class PlayerPreferencesBody(ApiModel):
    """The settings to change; the others stay as they are."""

    volume: float | None = None
    muted: bool | None = None
    subtitle_size: SubtitleSize | None = None
    subtitle_background: SubtitleBackground | None = None
    subtitle_language: str | None = None
    audio_language: str | None = None
    speed: float | None = None


class MarkerOut(ApiModel):
    start: float
    end: float
    source: Literal["chapter", "admin"]


class MarkersOut(ApiModel):
    intro: MarkerOut | None
    credits: MarkerOut | None


class MarkersBody(ApiModel):
    """Seconds or a time like 1:23; empty or null clears; a kind left out stays as it is."""

    intro_start: float | str | None = None
    intro_end: float | str | None = None
    credits_start: float | str | None = None
    credits_end: float | str | None = None
