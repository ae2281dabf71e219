"""File names to metadata: movies, episodes, parts and extras, named as Jellyfin/Plex users do.

`guess(rel_path, library_kind)` takes the path relative to the library root, so folder names help
("Show (2019)/Season 02/S02E03.mkv", "Movie (1999)/Movie (1999) - cd2.mkv"). Pure: no I/O.

guessit is thorough but costs 5-15 ms a call, which alone would cap a first scan below 100 files/s.
The names the Jellyfin/Plex guides recommend ("Title (Year)", "Series - S01E02 - Title") are parsed
by strict patterns here; everything else (scene names, anime, dates) goes to guessit, and folder
names are parsed once per folder (cached).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from typing import Any, Literal

from mediaserver.library.libraries import LibraryKind
from mediaserver.library.scan.name_guess import (
    MOVIE_RE,
    YEAR_MAX,
    YEAR_MIN,
    NameGuess,
    fast_ok,
    first_str,
    int_of,
    ints_of,
    parse_folder,
    year_of,
)
from mediaserver.library.scan.naming_rules import (
    MAX_EPISODES,
    clean_text,
    extra_folder_kind,
    extra_suffix,
    guessit_safe,
    norm_key,
    provider_ids,
    season_folder,
    sort_title,
    split_ext,
    strip_part,
)

MAX_COMPONENT = 255  # NAME_MAX: longer components are cut before parsing


# "Series - S01E02 - Episode Title", "S01E02", "Series - S01E01E02", "Series - S01E01-E03".
_EPISODE_RE = re.compile(
    r"^(?:(?P<series>[^\[\]{}_]+?)\s+-\s+)?"
    r"S(?P<season>\d{1,4})(?P<eps>E\d{1,4}(?:-?E\d{1,4})*)"
    r"(?:\s+-\s+(?P<title>.+))?$",
    re.IGNORECASE,
)
_EPISODE_HINT_RE = re.compile(r"(?:^|[^a-z0-9])(?:s\d{1,4}[ ._-]?e\d|\d{1,2}x\d{2})", re.I)
_EP_TOKEN_RE = re.compile(r"(-?)E(\d{1,4})", re.IGNORECASE)


def guess(rel_path: PurePosixPath, library_kind: LibraryKind) -> NameGuess:
    """Guess what the file at `rel_path` (relative to its library root) is."""
    parts = [p[:MAX_COMPONENT] for p in rel_path.parts if p not in ("", "/", ".", "..")]
    if not parts:
        return NameGuess(kind="movie", title="", source_key="movie:", sort_title="")
    dirs, stem, ext = parts[:-1], *split_ext(parts[-1])
    ids: dict[str, str] = {}
    for name in (stem, *reversed(dirs)):  # the file's own tags win, then the nearest folder's
        for k, v in provider_ids(name)[1].items():
            ids.setdefault(k, v)

    extra_at = next((i for i, d in enumerate(dirs) if i > 0 and extra_folder_kind(d)), None)
    if extra_at is not None:
        return _folder_extra(dirs, extra_at, stem, ext, library_kind, ids)
    base, suffix_kind = extra_suffix(stem)
    if suffix_kind and (base or dirs):
        return _suffix_extra(dirs, base, suffix_kind, ext, library_kind, ids)

    if _is_episode(dirs, stem, ext, library_kind):
        return _episode(dirs, stem, ext, ids)
    return _movie(dirs, stem, ext, ids)


# --- movies ---------------------------------------------------------------------------------


def _movie(dirs: list[str], stem: str, ext: str, ids: dict[str, str]) -> NameGuess:
    base, part = strip_part(stem)
    title, year = _parse_movie_name(provider_ids(base or stem)[0], ext)
    key_path = "/".join([*dirs, base or stem])
    if dirs:
        f_title, f_year = parse_folder(dirs[-1], "movie")
        same = norm_key(f_title) == norm_key(title) and (not year or not f_year or year == f_year)
        if f_title and (same or (f_year and not year) or not title):
            title, year, key_path = f_title, f_year or year, "/".join(dirs)
    title = title or clean_text(provider_ids(base or stem)[0]) or "Untitled"
    return NameGuess(
        kind="movie",
        title=title,
        year=year,
        part=part,
        source_key=f"movie:{clean_text(key_path, keep_slash=True)}",
        sort_title=sort_title(title),
        provider_ids=dict(ids),
    )


def _parse_movie_name(stem: str, ext: str) -> tuple[str, int | None]:
    m = MOVIE_RE.match(stem)
    if m and fast_ok(m["title"]) and YEAR_MIN <= int(m["year"]) <= YEAR_MAX:
        return clean_text(m["title"]), int(m["year"])
    g = guessit_safe(stem + ext, "movie")
    return clean_text(first_str(g.get("title"))), year_of(g.get("year"))


# --- episodes -------------------------------------------------------------------------------


def _is_episode(dirs: list[str], stem: str, ext: str, library_kind: LibraryKind) -> bool:
    if library_kind != "mixed":
        return library_kind == "shows"
    stem = provider_ids(stem)[0]
    if any(season_folder(d) is not None for d in dirs) or _EPISODE_RE.match(stem):
        return True
    m = MOVIE_RE.match(stem)
    if m and fast_ok(m["title"]) and not _EPISODE_HINT_RE.search(stem):
        return False
    return guessit_safe("/".join([*dirs, stem]) + ext, None).get("type") == "episode"


def _episode(dirs: list[str], stem: str, ext: str, ids: dict[str, str]) -> NameGuess:
    base, part = strip_part(stem)
    base = base or stem
    season_at = max((i for i, d in enumerate(dirs) if season_folder(d) is not None), default=None)
    folder_season = season_folder(dirs[season_at]) if season_at is not None else None
    series_dirs = dirs[:season_at] if season_at is not None else dirs

    name = provider_ids(base)[0]
    series, season, episodes, ep_title, air_date = _parse_episode_name(dirs, name, ext)
    if not episodes and not ep_title:
        ep_title = clean_text(name) or None
    year = None
    if series_dirs:
        f_title, year = parse_folder(series_dirs[-1], "episode")
        series = f_title or series
        key = "series:" + clean_text("/".join(series_dirs), keep_slash=True)
    else:
        series_title, year = parse_folder(series, "episode") if series else ("", None)
        series = series_title or series
        key = "series:#" + norm_key(series)
    if folder_season == 0 and season is None:
        season = 0
    if season is None:
        season = folder_season if folder_season is not None else (1 if episodes else None)
    series = series or "Unknown Series"
    return NameGuess(
        kind="episode",
        title=series,
        year=year,
        series_title=series,
        season=season,
        episodes=episodes,
        episode_title=ep_title,
        air_date=air_date,
        part=part,
        source_key=key,
        sort_title=sort_title(series),
        provider_ids=dict(ids),
    )


def _parse_episode_name(
    dirs: list[str], stem: str, ext: str
) -> tuple[str, int | None, tuple[int, ...], str | None, dt.date | None]:
    """(series, season, episodes, episode title, air date) from the file name (folders help)."""
    m = _EPISODE_RE.match(stem)
    if m and fast_ok(m["series"] or "x") and (not m["title"] or fast_ok(m["title"])):
        eps = _episode_tokens(m["eps"])
        title = clean_text(m["title"] or "") or None
        return clean_text(m["series"] or ""), int(m["season"]), eps, title, None
    g = guessit_safe(stem + ext, "episode")  # folders are read by our own rules
    series = clean_text(first_str(g.get("title")))
    season = int_of(g.get("season"))
    episodes = ints_of(g.get("episode"))
    if not episodes and "absolute_episode" in g:
        episodes = ints_of(g.get("absolute_episode"))
    air_date = g.get("date") if isinstance(g.get("date"), dt.date) else None
    if air_date is not None and not episodes:
        season = season if season is not None else air_date.year
        episodes = (air_date.month * 100 + air_date.day,)
    ep_title = clean_text(first_str(g.get("episode_title"))) or None
    return series, season, episodes, ep_title, air_date


def _episode_tokens(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for dash, num in _EP_TOKEN_RE.findall(text):
        n = int(num)
        if dash and out and out[-1] < n <= out[-1] + MAX_EPISODES:
            out.extend(range(out[-1] + 1, n + 1))
        elif n not in out:
            out.append(n)
    return tuple(sorted(out))[:MAX_EPISODES]


# --- extras ---------------------------------------------------------------------------------

_EXTRA_LABELS = {
    "trailer": "Trailer",
    "featurette": "Featurette",
    "behindthescenes": "Behind the Scenes",
    "deleted": "Deleted Scene",
    "interview": "Interview",
    "scene": "Scene",
    "short": "Short",
    "clip": "Clip",
    "sample": "Sample",
    "other": "Extra",
}


def _folder_extra(
    dirs: list[str], at: int, stem: str, ext: str, lib: LibraryKind, ids: dict[str, str]
) -> NameGuess:
    kind = extra_folder_kind(dirs[at]) or "other"
    owner_dirs = dirs[:at]
    name = clean_text(provider_ids(stem)[0]) or _EXTRA_LABELS[kind]
    if "." in name and " " not in name:
        name = name.replace(".", " ")
    if _owner_is_series(owner_dirs, lib):
        return _series_extra(owner_dirs, kind, name, ids)
    title, year = parse_folder(owner_dirs[-1], "movie")
    return _extra(kind, name, "movie", title, year, "movie:" + "/".join(owner_dirs), ids)


def _suffix_extra(
    dirs: list[str], base: str, kind: str, ext: str, lib: LibraryKind, ids: dict[str, str]
) -> NameGuess:
    label = _EXTRA_LABELS[kind]
    if _owner_is_series(dirs, lib) and dirs:
        return _series_extra(dirs, kind, label, ids)
    if not base:  # "trailer.mkv" inside a movie folder
        title, year = parse_folder(dirs[-1], "movie")
        return _extra(kind, label, "movie", title, year, "movie:" + "/".join(dirs), ids)
    movie = _movie(dirs, base, ext, ids)
    return _extra(kind, label, "movie", movie.title, movie.year, movie.source_key, ids)


def _owner_is_series(owner_dirs: list[str], lib: LibraryKind) -> bool:
    if lib != "mixed" or not owner_dirs:
        return lib == "shows"
    return any(season_folder(d) is not None for d in owner_dirs)


def _series_extra(owner_dirs: list[str], kind: str, name: str, ids: dict[str, str]) -> NameGuess:
    season_at = max(
        (i for i, d in enumerate(owner_dirs) if season_folder(d) is not None), default=None
    )
    season = season_folder(owner_dirs[season_at]) if season_at is not None else None
    series_dirs = owner_dirs[:season_at] if season_at is not None else owner_dirs
    series_dirs = series_dirs or owner_dirs[:1]
    title, year = parse_folder(series_dirs[-1], "episode")
    key = "series:" + "/".join(series_dirs)
    g = _extra(kind, name, "series", title, year, key, ids)
    return NameGuess(**{**_fields(g), "series_title": title, "season": season})


def _extra(
    kind: str,
    name: str,
    owner_kind: Literal["movie", "series"],
    owner_title: str,
    year: int | None,
    key: str,
    ids: dict[str, str],
) -> NameGuess:
    return NameGuess(
        kind="extra",
        title=name,
        year=year,
        extra_kind=kind,
        owner_kind=owner_kind,
        owner_title=owner_title or None,
        source_key=clean_text(key, keep_slash=True),
        sort_title=sort_title(name),
        provider_ids=dict(ids),
    )


def _fields(g: NameGuess) -> dict[str, Any]:
    return {name: getattr(g, name) for name in NameGuess.__dataclass_fields__}
