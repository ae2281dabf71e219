"""The search page's filters: parsed from the URL query (so a search can be shared and
bookmarked), validated with a clear message for each bad value, and turned back into a URL.

Every value a person can type is checked here; nothing from the query reaches SQL except as a
bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Literal
from urllib.parse import urlencode

from mediaserver.accounts import RATINGS
from mediaserver.catalog.browse import TitleKind
from mediaserver.errors import BadRequest

SearchSort = Literal["relevance", "title", "year", "added", "stars"]
Watched = Literal["yes", "no"]
SORTS: dict[SearchSort, str] = {
    "relevance": "Relevance",
    "title": "Title (A-Z)",
    "year": "Year (newest)",
    "added": "Recently added",
    "stars": "Highest rated",
}
KINDS: dict[TitleKind, str] = {"movie": "Movies", "series": "Series"}
WATCHED: dict[Watched, str] = {"yes": "Watched", "no": "Not watched"}
MIN_YEAR, MAX_YEAR = 1870, 2100
MAX_RUNTIME_MINUTES = 1000
MAX_QUERY = 200
_LANG = re.compile(r"[a-z]{2,3}")
# Multi-valued: ?rating=G&rating=PG. Everything else is given once.
_MULTI = ("rating",)
PARAMS = (
    "q", "type", "genre", "year_from", "year_to", "runtime_min", "runtime_max",
    "audio", "subtitles", "rating", "watched", "min_stars", "tag", "sort", "page",
)  # fmt: skip
MAX_PAGE = 1000
MAX_TAG = 40


@dataclass(frozen=True, slots=True)
class SearchFilters:
    q: str = ""
    type: TitleKind | None = None
    genre: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    runtime_min: int | None = None  # minutes
    runtime_max: int | None = None
    audio: str | None = None  # primary language tag: "en"
    subtitles: str | None = None
    rating: tuple[str, ...] = field(default_factory=tuple)
    watched: Watched | None = None
    min_stars: int | None = None  # average of the profiles' ratings, whole stars
    tag: str | None = None  # an accepted tag: "slow-burn"
    sort: SearchSort = "relevance"
    page: int = 1

    @property
    def is_empty(self) -> bool:
        """No query, filter or sort chosen: the page invites typing instead of listing all."""
        return replace(self, page=1) == SearchFilters()

    def query_items(self) -> list[tuple[str, str]]:
        """The non-default values as URL query pairs, in a stable order."""
        items: list[tuple[str, str]] = []
        for name, value in asdict(self).items():
            if (name, value) in (("sort", "relevance"), ("page", 1)):
                continue
            if name == "rating":
                items += [("rating", r) for r in value]
            elif value not in (None, ""):
                items.append((name, str(value)))
        return items

    def with_page(self, page: int) -> SearchFilters:
        return replace(self, page=page)

    def url(self, path: str = "/search") -> str:
        query = urlencode(self.query_items())
        return f"{path}?{query}" if query else path

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["rating"] = list(self.rating)
        return data


def _int(raw: str, name: str, label: str, low: int, high: int) -> int:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise BadRequest(f"{label} must be a whole number, like {low if low else 90}.", field=name)
    value = int(raw)
    if not low <= value <= high:
        raise BadRequest(f"{label} must be between {low} and {high}.", field=name)
    return value


def _choice(raw: str, name: str, label: str, choices: Mapping[str, str] | tuple[str, ...]) -> str:
    if raw not in choices:
        allowed = ", ".join(choices)
        raise BadRequest(f"{label} must be one of: {allowed} (not '{raw[:40]}').", field=name)
    return raw


def _tag(raw: str) -> str:
    """A tag as stored (lower-case words joined by hyphens): "Slow burn" is "slow-burn"."""
    tag = "-".join(re.findall(r"[a-z0-9]+", raw.lower().replace("'", "")))
    if not tag or len(tag) > MAX_TAG:
        raise BadRequest(f"A tag is letters and digits, at most {MAX_TAG} (not '{raw[:40]}').",
                         field="tag")  # fmt: skip
    return tag


def parse_filters(query: Mapping[str, str] | object) -> SearchFilters:
    """SearchFilters from a MultiDict of query parameters; BadRequest names the bad one.

    Empty values mean "any" (a form submits every field); unknown names are refused so that a
    mistyped bookmark says what is wrong instead of silently showing everything.
    """
    getall = getattr(query, "getall", None)
    keys = list(getattr(query, "keys")())  # noqa: B009 (MultiDict and dict alike)
    for key in keys:
        if key not in PARAMS:
            raise BadRequest(
                f"Unknown search filter '{key[:40]}'. Filters: {', '.join(PARAMS)}.", field=key
            )
    single: dict[str, str] = {}
    for key in keys:
        values = getall(key) if getall else [query[key]]  # type: ignore[index]
        if key not in _MULTI and len([v for v in values if v != ""]) > 1:
            raise BadRequest(f"Give '{key}' only once.", field=key)
        single[key] = next((v for v in values if v != ""), "")
    values: dict[str, object] = {}
    q = single.get("q", "")
    if len(q) > MAX_QUERY:
        raise BadRequest(f"The search text is longer than {MAX_QUERY} characters.", field="q")
    values["q"] = " ".join(q.split())
    if raw := single.get("type"):
        values["type"] = _choice(raw, "type", "Type", KINDS)
    if raw := single.get("genre"):
        values["genre"] = _int(raw, "genre", "Genre", 1, 10**9)
    for name, label in (("year_from", "'Year from'"), ("year_to", "'Year to'")):
        if raw := single.get(name):
            values[name] = _int(raw, name, label, MIN_YEAR, MAX_YEAR)
    for name, label in (("runtime_min", "'Runtime from'"), ("runtime_max", "'Runtime to'")):
        if raw := single.get(name):
            values[name] = _int(raw, name, f"{label} (minutes)", 0, MAX_RUNTIME_MINUTES)
    for name, label in (("audio", "Audio language"), ("subtitles", "Subtitle language")):
        if raw := single.get(name):
            code = raw.strip().lower()
            if not _LANG.fullmatch(code):
                raise BadRequest(
                    f"{label} must be a language code like 'en' or 'fr' (not '{raw[:40]}').",
                    field=name,
                )
            values[name] = code
    ratings = [r for r in (getall("rating", []) if getall else [single.get("rating", "")]) if r]
    values["rating"] = tuple(
        dict.fromkeys(_choice(r, "rating", "Maturity rating", RATINGS) for r in ratings)
    )
    if raw := single.get("watched"):
        values["watched"] = _choice(raw, "watched", "Watched", WATCHED)
    if raw := single.get("min_stars"):
        values["min_stars"] = _int(raw, "min_stars", "Minimum rating (stars)", 1, 5)
    if raw := single.get("tag"):
        values["tag"] = _tag(raw)
    if raw := single.get("sort"):
        values["sort"] = _choice(raw, "sort", "Sort", SORTS)
    if raw := single.get("page"):
        values["page"] = _int(raw, "page", "Page", 1, MAX_PAGE)
    filters = SearchFilters(**values)  # type: ignore[arg-type]
    _check_ranges(filters)
    return filters


def _check_ranges(f: SearchFilters) -> None:
    if f.year_from is not None and f.year_to is not None and f.year_from > f.year_to:
        raise BadRequest("'Year from' is after 'Year to'.", field="year_from")
    if f.runtime_min is not None and f.runtime_max is not None and f.runtime_min > f.runtime_max:
        raise BadRequest("'Runtime from' is longer than 'Runtime to'.", field="runtime_min")
