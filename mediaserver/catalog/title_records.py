"""What a title page shows, as records: a title's details (cast, languages, seasons, the Play
offer) and one season's episodes with a profile's progress."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from mediaserver.catalog.browse import Genre, TitleCard
from mediaserver.catalog.continue_watching import is_started
from mediaserver.catalog.languages import Language
from mediaserver.catalog.play_offer import PlayOffer
from mediaserver.errors import NotFound


@dataclass(frozen=True, slots=True)
class CastMember:
    name: str
    character: str | None


@dataclass(frozen=True, slots=True)
class SeasonSummary:
    number: int  # 0: specials
    name: str
    episodes: int
    id: int = 0
    has_poster: bool = False

    @property
    def poster_url(self) -> str | None:
        return f"/images/seasons/{self.id}/poster" if self.has_poster else None

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "name": self.name, "episodes": self.episodes,
                "poster": self.poster_url}  # fmt: skip


def air_label(air_date: str | None) -> str | None:
    """ "3 Mar 2021", or "Airs 3 Mar 2021" for a date still to come; None when unknown."""
    try:
        day = date.fromisoformat(air_date or "")
    except ValueError:
        return None
    text = f"{day.day} {day.strftime('%b %Y')}"
    return f"Airs {text}" if day > date.today() else text


@dataclass(frozen=True, slots=True)
class Episode:
    id: int
    season_number: int
    number: int
    number_end: int | None
    title: str | None
    description: str
    runtime_seconds: float | None
    media_file_id: int | None
    has_thumb: bool
    position: float | None
    duration: float | None
    watched: bool
    air_date: str | None = None  # YYYY-MM-DD

    @property
    def aired(self) -> str | None:
        """When it aired ("3 Mar 2021"), or "Airs ..." when that is still to come."""
        return air_label(self.air_date)

    @property
    def progress(self) -> float | None:
        if self.watched:
            return 1.0
        if self.position is None or not self.duration:
            return None
        return max(0.0, min(1.0, self.position / self.duration))

    @property
    def resumable(self) -> bool:
        return not self.watched and is_started(self.position, self.duration)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "season": self.season_number,
            "episode": self.number,
            "episode_end": self.number_end,
            "title": self.title,
            "description": self.description,
            "runtime_seconds": self.runtime_seconds,
            "media_file_id": self.media_file_id,
            "thumbnail": f"/images/episodes/{self.id}/thumb" if self.has_thumb else None,
            "air_date": self.air_date,
            "position_seconds": self.position,
            "watched": self.watched,
        }


@dataclass(frozen=True, slots=True)
class TitleDetails:
    card: TitleCard
    original_title: str | None
    description: str
    tagline: str | None
    community_rating: float | None
    runtime_seconds: float | None
    has_backdrop: bool
    genres: list[Genre]
    cast: list[CastMember]
    directors: list[str]
    audio: list[Language]
    subtitles: list[Language]
    offer: PlayOffer | None
    seasons: list[SeasonSummary] = field(default_factory=list)
    has_logo: bool = False

    def season_to_open(self, requested: int | None) -> int | None:
        """The season whose episodes a series page lists: the one asked for (NotFound if the
        series has no such season), else the one of the episode Play would start, else the
        first; None when it has no seasons."""
        numbers = [s.number for s in self.seasons]
        if requested is not None:
            if requested not in numbers:
                raise NotFound("No such season.")
            return requested
        if self.offer is not None and self.offer.season in numbers:
            return self.offer.season
        return numbers[0] if numbers else None

    def as_json(self) -> dict[str, object]:
        return self.card.as_json() | {
            "original_title": self.original_title,
            "description": self.description,
            "tagline": self.tagline,
            "community_rating": self.community_rating,
            "runtime_seconds": self.runtime_seconds,
            "backdrop": f"/images/titles/{self.card.id}/backdrop" if self.has_backdrop else None,
            "logo": f"/images/titles/{self.card.id}/logo" if self.has_logo else None,
            "genres": [asdict(g) for g in self.genres],
            "cast": [asdict(c) for c in self.cast],
            "directors": self.directors,
            "audio_languages": [asdict(a) for a in self.audio],
            "subtitle_languages": [asdict(s) for s in self.subtitles],
            "play": self.offer.as_json() if self.offer else None,
            "seasons": [s.as_json() for s in self.seasons],
        }
