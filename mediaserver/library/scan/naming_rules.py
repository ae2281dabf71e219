"""The small, strict patterns behind naming: extras, parts, season folders, ids, text cleaning.

Kept apart from `naming` (which decides what a file is) so each stays readable; pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

MAX_EPISODES = 50  # "S01E01-E9999" must not become a 9,999-tuple

# Extras folders as Jellyfin and Plex define them (matched case-insensitively) -> extra kind.
EXTRA_FOLDERS = {
    "extras": "other",
    "extra": "other",
    "other": "other",
    "others": "other",
    "trailers": "trailer",
    "featurettes": "featurette",
    "behind the scenes": "behindthescenes",
    "behindthescenes": "behindthescenes",
    "deleted scenes": "deleted",
    "deleted": "deleted",
    "interviews": "interview",
    "scenes": "scene",
    "shorts": "short",
    "clips": "clip",
    "samples": "sample",
    "sample": "sample",
}
# File name suffixes ("Movie (2001)-trailer.mkv") -> extra kind.
EXTRA_SUFFIXES = {
    "trailer": "trailer",
    "featurette": "featurette",
    "behindthescenes": "behindthescenes",
    "deleted": "deleted",
    "deletedscene": "deleted",
    "interview": "interview",
    "scene": "scene",
    "short": "short",
    "clip": "clip",
    "sample": "sample",
    "other": "other",
    "extra": "other",
}
# Whole file names that are extras inside a title folder ("Movie (2001)/trailer.mkv").
EXTRA_NAMES = {"trailer": "trailer", "sample": "sample"}

_SUFFIX_RE = re.compile(r"^(?P<base>.*?)\s*-(?P<kind>[a-z]+)$", re.IGNORECASE)
_PART_RE = re.compile(
    r"^(?P<base>.*?)[ ._-]*(?<![a-z0-9])(?:cd|dvd|part|pt|dis[ck])[ ._-]*(?P<n>\d{1,2}|[a-d])$",
    re.IGNORECASE,
)
_SEASON_RE = re.compile(
    r"^(?:season|series|staffel|saison|temporada|stagione|seizoen|sezon|kausi)[ ._-]*(\d{1,4})"
    r"(?:\s*[(\[].*)?$|^s(\d{1,4})$",
    re.IGNORECASE,
)
_SPECIALS = {"specials", "special", "season specials", "season 0", "season 00", "s00"}
# Jellyfin "[imdbid-tt0133093]", "[tmdbid-603]"; Plex "{imdb-tt0133093}", "{tmdb-603}".
_ID_RE = re.compile(
    r"\s*[\[{](?P<src>imdb|tmdb|tvdb)(?:id)?[-=](?P<id>tt\d{1,10}|\d{1,10})[\]}]", re.IGNORECASE
)
_EDITION_RE = re.compile(r"\s*\{edition-[^{}]{0,80}\}", re.IGNORECASE)
_TECH_RE = re.compile(
    r"(?<![a-z0-9])(?:\d{3,4}[pi]|4k|uhd|[xh]\.?26[45]|hevc|avc|xvid|divx|web[-. ]?(?:dl|rip)"
    r"|blu-?ray|bdrip|brrip|dvdrip|hdtv|hdrip|remux|aac|ac3|e-?ac-?3|dts|truehd|atmos|10bit"
    r"|hdr10?|proper|repack|multi|vostfr)(?![a-z0-9])",
    re.IGNORECASE,
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_ARTICLES = ("the ", "a ", "an ")
_VIDEO_EXT_RE = re.compile(r"^\.[A-Za-z0-9]{1,5}$")


def clean_text(text: str, *, keep_slash: bool = False) -> str:
    """Valid UTF-8 (undecodable bytes become U+FFFD), no control characters, single spaces."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text))
    if not keep_slash:
        text = text.replace("/", " ")
    return " ".join(text.split())


def split_ext(name: str) -> tuple[str, str]:
    """("Movie (2001)", ".mkv"); a dot that does not start a short extension is kept."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _VIDEO_EXT_RE.match("." + ext):
        return stem, "." + ext
    return name, ""


def extra_folder_kind(folder: str) -> str | None:
    return EXTRA_FOLDERS.get(" ".join(folder.casefold().replace("_", " ").split()))


def extra_suffix(stem: str) -> tuple[str, str | None]:
    """("Movie (2001)", "trailer") for "Movie (2001)-trailer"; (stem, None) when not an extra."""
    name = stem.strip().casefold()
    if name in EXTRA_NAMES:
        return "", EXTRA_NAMES[name]
    m = _SUFFIX_RE.match(stem.strip())
    if m and m["kind"].casefold() in EXTRA_SUFFIXES:
        return m["base"].strip(" -._"), EXTRA_SUFFIXES[m["kind"].casefold()]
    return stem, None


def strip_part(stem: str) -> tuple[str, int | None]:
    """("Movie (2001)", 2) for "Movie (2001) - cd2" / "part2" / "disc 2" / "pt.b"."""
    m = _PART_RE.match(stem.strip())
    if not m or not m["base"].strip(" -._"):
        return stem, None
    n = m["n"]
    number = int(n) if n.isdigit() else "abcd".index(n.casefold()) + 1
    if number < 1:
        return stem, None
    return m["base"].strip(" -._"), number


def season_folder(folder: str) -> int | None:
    """Season number of a season folder ("Season 02", "S2", "Staffel 3"; "Specials" is 0)."""
    name = " ".join(folder.casefold().replace("_", " ").replace(".", " ").split())
    if name in _SPECIALS:
        return 0
    m = _SEASON_RE.match(name)
    if not m:
        return None
    return int(m[1] or m[2])


def provider_ids(name: str) -> tuple[str, dict[str, str]]:
    """Remove id tags (and Plex edition tags) from a name: (rest, {"imdb": "tt..", ...})."""
    found: dict[str, str] = {}
    for m in _ID_RE.finditer(name):
        found.setdefault(m["src"].casefold(), m["id"].casefold())
    rest = _EDITION_RE.sub("", _ID_RE.sub("", name)).strip()
    return rest, found


def looks_technical(text: str) -> bool:
    return bool(_TECH_RE.search(text))


def norm_key(title: str) -> str:
    """Compare titles loosely: case, punctuation, spaces and a leading article ignored."""
    t = clean_text(title).casefold()
    for article in _ARTICLES:
        if t.startswith(article):
            t = t[len(article) :]
            break
    return "".join(c for c in t if c.isalnum())


def sort_title(title: str) -> str:
    """ "the matrix" -> "matrix, the"; leading punctuation ignored."""
    t = clean_text(title).lower().lstrip(" '\"¡¿.-_([")
    for article in _ARTICLES:
        if t.startswith(article) and len(t) > len(article):
            return f"{t[len(article) :]}, {article.strip()}"
    return t


# guessit expands ranges one number at a time with quadratic cost: "S01E01-E9999" takes a
# minute. Ranges are capped and names dense with numbered tokens are not given to it at all.
_RANGE_RE = re.compile(
    r"(?i)(?<![a-z])(s|e|x|ep|episode|season)(\s*)(\d{1,6})"
    r"(\s*(?:-|~|to|&|thru|through)\s*(?:s|e|ep)?\s*)(\d{1,6})"
)
_TOKEN_RE = re.compile(r"(?i)[sex]\d")
MAX_GUESSIT_TOKENS = 30


def _defuse(name: str) -> str | None:
    def cap(m: re.Match[str]) -> str:
        first, last = int(m[3]), int(m[5])
        last = min(last, first + MAX_EPISODES) if last > first else last
        return f"{m[1]}{m[2]}{m[3]}{m[4]}{last:0{len(m[5])}d}"

    if len(_TOKEN_RE.findall(name)) > MAX_GUESSIT_TOKENS:
        return None
    return _RANGE_RE.sub(cap, name)


@lru_cache(maxsize=8192)
def _guessit_cached(name: str, kind: str | None) -> tuple[tuple[str, Any], ...]:
    from guessit import guessit  # noqa: PLC0415 (lazy: ~0.5 s of rule building at import)

    options: dict[str, Any] = {"type": kind} if kind else {}
    safe = _defuse(name)
    if safe is None:
        return ()
    try:
        return tuple(dict(guessit(safe, options)).items())
    except Exception:  # guessit raises on some pathological names; a name is never fatal
        return ()


def guessit_safe(name: str, kind: str | None) -> dict[str, Any]:
    """guessit's answer as a dict ({} when it fails or the name is refused); cached."""
    return dict(_guessit_cached(name, kind))
