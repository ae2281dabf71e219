"""What a file name says: the `NameGuess` record, and a movie or series folder name read into
title and year (with the small readers of guessit's loosely typed answers that both use)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from mediaserver.library.scan.naming_rules import (
    MAX_EPISODES,
    clean_text,
    guessit_safe,
    looks_technical,
    provider_ids,
)

Kind = Literal["movie", "episode", "extra"]
YEAR_MIN, YEAR_MAX = 1870, 2100


@dataclass(frozen=True, slots=True)
class NameGuess:
    """What a file name says. Strings are cleaned (no control characters, valid UTF-8).

    kind: "movie", "episode" or "extra".
    title: the movie title; for an episode the series title; for an extra the extra's own name.
    year: of the movie or series (for an extra: of the movie or series it belongs to).
    series_title: episodes and extras of a series.
    season: episodes (0 = specials; the year for date-based shows); season extras.
    episodes: episode numbers, several for multi-episode files; () when the name has none.
    air_date: date-based episodes ("Show 2024-03-05.mkv"); episodes is then (305,) = MMDD.
    part: 1, 2, ... for stacked files (cd1, part2, disc 2, pt.a); None otherwise.
    extra_kind: extras only: trailer, featurette, behindthescenes, deleted, interview, scene,
        short, clip, sample, other.
    owner_kind / owner_title: extras only: "movie" or "series" it belongs to, and its title.
    source_key: opaque, stable identity of the movie or series the file belongs to within its
        library ("movie:Movie (2001)", "series:Show"); files with equal keys belong together
        (parts, versions, extras, episodes of one series).
    sort_title: lower-case title with a leading The/A/An moved to the end.
    provider_ids: ids written in names, e.g. "[imdbid-tt0133093]" or "{tmdb-603}" ->
        {"imdb": "tt0133093", "tmdb": "603"}.
    """

    kind: Kind
    title: str
    year: int | None = None
    series_title: str | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    episode_title: str | None = None
    air_date: dt.date | None = None
    part: int | None = None
    extra_kind: str | None = None
    owner_kind: Literal["movie", "series"] | None = None
    owner_title: str | None = None
    source_key: str = ""
    sort_title: str = ""
    provider_ids: dict[str, str] = field(default_factory=dict)


# "Title (1999)", optionally followed by id tags already removed by provider_ids().
MOVIE_RE = re.compile(r"^(?P<title>[^\[\]{}_]+?)\s*\((?P<year>\d{4})\)$")


@lru_cache(maxsize=4096)
def parse_folder(name: str, kind: Literal["movie", "episode"]) -> tuple[str, int | None]:
    """(title, year) from a movie or series folder name ("Show (2019)", "The.Matrix.1999.1080p")."""
    name = provider_ids(name)[0]
    m = MOVIE_RE.match(name)
    if m and fast_ok(m["title"]) and YEAR_MIN <= int(m["year"]) <= YEAR_MAX:
        return clean_text(m["title"]), int(m["year"])
    if fast_ok(name):
        return clean_text(name), None
    g = guessit_safe(name, kind)
    return clean_text(first_str(g.get("title"))) or clean_text(name), year_of(g.get("year"))


def fast_ok(text: str) -> bool:
    """Plain enough to take as written: spaced words, no scene dots/underscores or tech tags."""
    if not text.strip() or any(c in text for c in "[]{}_"):
        return False
    if "." in text and " " not in text.strip():
        return False
    return not looks_technical(text)


def first_str(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def int_of(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def ints_of(value: Any) -> tuple[int, ...]:
    values = value if isinstance(value, list) else [value]
    nums = sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool)})
    return tuple(nums[:MAX_EPISODES])


def year_of(value: Any) -> int | None:
    y = int_of(value)
    return y if y is not None and YEAR_MIN <= y <= YEAR_MAX else None
