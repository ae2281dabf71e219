"""Kodi-style .nfo files (movie.nfo, <stem>.nfo, tvshow.nfo, episode NFOs) read safely.

Safety: at most MAX_BYTES are read; DTDs and entity declarations are refused before parsing (no
entity expansion, no external entities, nothing else is ever opened) and defusedxml parses what is
left as a second guard. Text is kept as text: nothing is interpreted as HTML, templates escape it.
Kodi quirks handled: an NFO that is only a URL (an IMDb/TMDB/TVDB link), XML followed by a URL
line, and several <episodedetails> in one file for multi-episode files.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from mediaserver.accounts import RATINGS

MAX_BYTES = 1024 * 1024
MAX_ITEMS = 200  # actors, genres, ... kept per list
MAX_TEXT = 20_000  # characters per text field (plots); titles are cut at MAX_TITLE
MAX_TITLE = 500
ROOTS = {"movie": "movie", "tvshow": "tvshow", "episodedetails": "episode", "musicvideo": "movie"}

NfoKind = Literal["movie", "tvshow", "episode", "url"]


class NfoError(Exception):
    """An NFO that cannot be used; str() is a readable reason ("not XML: ...", "too large")."""


@dataclass(frozen=True, slots=True)
class NfoActor:
    name: str
    role: str | None = None
    order: int | None = None


@dataclass(frozen=True, slots=True)
class NfoData:
    """What an NFO says; every field is optional (None or empty)."""

    kind: NfoKind
    title: str | None = None
    original_title: str | None = None
    sort_title: str | None = None
    plot: str | None = None
    outline: str | None = None
    tagline: str | None = None
    year: int | None = None
    premiered: dt.date | None = None  # <premiered>, <aired> (episodes) or <releasedate>
    runtime_minutes: int | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    studios: tuple[str, ...] = ()
    mpaa: str | None = None  # as written, e.g. "Rated PG-13"
    maturity_rating: str | None = None  # mapped onto accounts.profiles.RATINGS, or None
    community_rating: float | None = None  # 0-10
    ids: dict[str, str] = field(default_factory=dict)  # imdb "tt0133093", tmdb "603", tvdb "..."
    actors: tuple[NfoActor, ...] = ()
    directors: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    show_title: str | None = None  # <showtitle> in episode NFOs
    season: int | None = None
    episode: int | None = None
    others: tuple[NfoData, ...] = ()  # further <episodedetails> of a multi-episode file


def read_nfo(path: Path) -> NfoData:
    """Read and parse an NFO file; raises NfoError with a readable reason."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise NfoError(f"unreadable: {exc.strerror or exc.__class__.__name__}") from None
    if len(data) > MAX_BYTES:
        raise NfoError(f"too large (over {MAX_BYTES // 1024} KiB)")
    return parse_nfo(data)


def parse_nfo(data: bytes) -> NfoData:
    """Parse NFO bytes (see read_nfo)."""
    if len(data) > MAX_BYTES:
        raise NfoError(f"too large (over {MAX_BYTES // 1024} KiB)")
    text = _decode(data).strip()
    if not text:
        raise NfoError("empty")
    if not text.startswith("<"):
        ids = ids_from_urls(text)
        if not ids:
            raise NfoError("not XML and no IMDb/TMDB/TVDB link")
        return NfoData(kind="url", ids=ids)
    if re.search(r"<!\s*(?:DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise NfoError("not allowed: DTD or entity declarations")
    body, tail = _split_tail(text)
    try:
        root = SafeET.fromstring(f"<nfo>{body}</nfo>", forbid_dtd=True)
    except DefusedXmlException as exc:
        raise NfoError(f"not allowed: {exc.__class__.__name__}") from None
    except SafeET.ParseError as exc:
        raise NfoError(f"not XML: {_parse_message(exc)}") from None
    items = [_item(el) for el in root if el.tag in ROOTS]
    if not items:
        raise NfoError("no <movie>, <tvshow> or <episodedetails> element")
    first = items[0]
    ids = {**ids_from_urls(tail), **first.ids} if tail else first.ids
    return _replace(first, ids=ids, others=tuple(items[1:]))


# --- values ---------------------------------------------------------------------------------

_MPAA_ALIASES = {
    "TVMA": "TV-MA",
    "TV14": "TV-14",
    "TVPG": "TV-PG",
    "TVY": "TV-Y",
    "TVY7": "TV-Y7",
    "TV-Y7-FV": "TV-Y7",
    "TV-G": "G",
    "TVG": "G",
    "PG13": "PG-13",
    "NC17": "NC-17",
    "GP": "PG",
    "M": "PG",
    "X": "NC-17",
}


def map_mpaa(value: str | None) -> str | None:
    """ "Rated PG-13", "US:PG-13", "TV-MA", "US:R / UK:15" -> our RATINGS scale; None if unknown."""
    if not value:
        return None
    parts = [p.strip() for p in re.split(r"[/|,;]", value) if p.strip()]
    us = [p for p in parts if re.match(r"(?i)(us|usa)\s*:", p)]
    for part in us or parts[:1]:
        p = re.sub(r"(?i)^(?:usa?\s*:\s*)?(?:rated\s+)?", "", part).strip().upper()
        p = re.sub(r"\s+", "-", p)
        p = _MPAA_ALIASES.get(p, p)
        if p in RATINGS:
            return p
    return None


_IMDB_RE = re.compile(r"\b(tt\d{5,10})\b")
_TMDB_URL_RE = re.compile(r"themoviedb\.org/(?:movie|tv)/(\d{1,10})", re.IGNORECASE)
_TVDB_URL_RE = re.compile(r"thetvdb\.com/.*?[?&/](?:id=|series/)(\d{1,10})", re.IGNORECASE)


def ids_from_urls(text: str) -> dict[str, str]:
    """Ids from links such as https://www.imdb.com/title/tt0133093/ (Kodi URL NFOs)."""
    ids: dict[str, str] = {}
    if m := re.search(r"imdb\.[a-z.]+/title/(tt\d{5,10})", text, re.IGNORECASE) or _IMDB_RE.search(
        text
    ):
        ids["imdb"] = m[1]
    if m := _TMDB_URL_RE.search(text):
        ids["tmdb"] = m[1]
    if m := _TVDB_URL_RE.search(text):
        ids["tvdb"] = m[1]
    return ids


# --- internals ------------------------------------------------------------------------------


def _item(el: Element) -> NfoData:
    kind: NfoKind = ROOTS[str(el.tag)]  # type: ignore[assignment]
    premiered = _date(_text(el, "premiered")) or _date(_text(el, "aired"))
    premiered = premiered or _date(_text(el, "releasedate"))
    year = _int(_text(el, "year"), 1870, 2100) or (premiered.year if premiered else None)
    mpaa = _text(el, "mpaa", MAX_TITLE) or _text(el, "certification", MAX_TITLE)
    return NfoData(
        kind=kind,
        title=_text(el, "title", MAX_TITLE),
        original_title=_text(el, "originaltitle", MAX_TITLE),
        sort_title=_text(el, "sorttitle", MAX_TITLE),
        plot=_text(el, "plot"),
        outline=_text(el, "outline"),
        tagline=_text(el, "tagline", MAX_TITLE),
        year=year,
        premiered=premiered,
        runtime_minutes=_int(_text(el, "runtime"), 1, 100_000),
        genres=_split_list(el, "genre"),
        tags=_split_list(el, "tag"),
        studios=_split_list(el, "studio"),
        mpaa=mpaa,
        maturity_rating=map_mpaa(mpaa),
        community_rating=_rating(el),
        ids=_ids(el, kind),
        actors=_actors(el),
        directors=_split_list(el, "director"),
        writers=_split_list(el, "credits") or _split_list(el, "writer"),
        show_title=_text(el, "showtitle", MAX_TITLE),
        season=_int(_text(el, "season"), 0, 10_000),
        episode=_int(_text(el, "episode"), 0, 100_000),
    )


def _ids(el: Element, kind: NfoKind) -> dict[str, str]:
    ids: dict[str, str] = {}
    unique = sorted(el.findall("uniqueid"), key=lambda u: u.get("default") != "true")
    for u in unique:
        _add_id(ids, (u.get("type") or "").strip().casefold(), _clean(u.text or ""))
    for tag in ("imdbid", "imdb_id", "tmdbid", "tvdbid"):
        _add_id(ids, tag.removesuffix("_id").removesuffix("id"), _text(el, tag) or "")
    legacy = _text(el, "id") or ""
    if legacy.startswith("tt"):
        _add_id(ids, "imdb", legacy)
    elif legacy:  # <id> held the scraper's own id: TVDB for shows, TMDB for movies
        _add_id(ids, "tvdb" if kind in ("tvshow", "episode") else "tmdb", legacy)
    return ids


def _add_id(ids: dict[str, str], source: str, value: str) -> None:
    value = value.strip()
    if source == "imdb" and re.fullmatch(r"tt\d{5,10}", value):
        ids.setdefault("imdb", value)
    elif source in ("tmdb", "tvdb") and re.fullmatch(r"\d{1,10}", value):
        ids.setdefault(source, value)


def _rating(el: Element) -> float | None:
    ratings = el.findall("ratings/rating")
    ratings.sort(key=lambda r: r.get("default") != "true")
    for r in ratings:
        value = _float(_clean(r.findtext("value") or ""))
        top = _float(r.get("max") or "10") or 10.0
        if value is not None and top > 0:
            return round(max(0.0, min(10.0, value * 10.0 / top)), 2)
    value = _float(_text(el, "rating") or "")
    return round(max(0.0, min(10.0, value)), 2) if value is not None else None


def _actors(el: Element) -> tuple[NfoActor, ...]:
    actors = []
    for a in el.findall("actor")[:MAX_ITEMS]:
        name = _text(a, "name", MAX_TITLE)
        if name:
            order = _int(_text(a, "order"), 0, 1_000_000)
            actors.append(NfoActor(name, _text(a, "role", MAX_TITLE), order))
    return tuple(actors)


def _split_list(el: Element, tag: str) -> tuple[str, ...]:
    """Repeated elements; a single one may also hold "Drama / Crime" (older scrapers)."""
    out: list[str] = []
    for child in el.findall(tag)[:MAX_ITEMS]:
        for part in re.split(r"\s+/\s+", _clean(child.text or "")):
            if part and part not in out:
                out.append(part[:MAX_TITLE])
    return tuple(out[:MAX_ITEMS])


def _text(el: Element, tag: str, limit: int = MAX_TEXT) -> str | None:
    found = el.find(tag)
    if found is None:
        return None
    text = _clean("".join(found.itertext()))  # nested markup is flattened to its text
    return text[:limit] or None


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    return _CONTROL_RE.sub("", text).strip()


def _int(text: str | None, lo: int, hi: int) -> int | None:
    m = re.match(r"\s*(\d{1,9})", text or "")
    if not m:
        return None
    n = int(m[1])
    return n if lo <= n <= hi else None


def _float(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]{1,40})[\"']", data)
    encoding = m[1].decode("ascii") if m else "utf-8"
    try:
        text = data.decode(encoding, "replace")
    except LookupError:
        text = data.decode("utf-8", "replace")
    # control characters are not allowed in XML 1.0; broken scrapers write them: drop them
    return _CONTROL_RE.sub("", re.sub(r"^\s*<\?xml[^>]*\?>", "", text))


_CLOSE_RE = re.compile(r"</\s*(?:movie|tvshow|episodedetails|musicvideo)\s*>", re.IGNORECASE)


def _split_tail(text: str) -> tuple[str, str]:
    """(the XML, what follows the last root element: Kodi allows a URL line there)."""
    last = None
    for last in _CLOSE_RE.finditer(text):  # noqa: B007 - we want the last match
        pass
    if last is None:
        return text, ""
    return text[: last.end()], text[last.end() :]


def _parse_message(exc: Exception) -> str:
    msg = str(exc).split(":", 1)[0]
    return msg[:120] or "parse error"


def _replace(item: NfoData, **changes: object) -> NfoData:
    fields = {name: getattr(item, name) for name in NfoData.__dataclass_fields__}
    return NfoData(**{**fields, **changes})  # type: ignore[arg-type]
