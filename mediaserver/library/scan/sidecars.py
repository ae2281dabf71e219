"""Side files next to a video: subtitles, local artwork and the NFO that applies.

The scanner lists each folder once and passes the names (`siblings`); only those names are ever
returned, joined to the video's folder as one path component: a name with a separator, NUL, "." or
".." is ignored, so nothing here can point outside the folder the scanner listed. Matching is
case-insensitive, as Jellyfin and Kodi do on case-insensitive shares. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from babelfish import Language

from mediaserver.library.scan.naming_rules import strip_part

ArtKind = Literal["poster", "fanart", "thumb", "logo", "banner"]

SUBTITLE_FORMATS = {"srt": "srt", "ass": "ass", "ssa": "ssa", "vtt": "vtt", "smi": "smi"}
IMAGE_EXTS = ("jpg", "jpeg", "png", "webp")
_FORCED = {"forced", "foreign"}
_SDH = {"sdh", "cc", "hi"}  # "hi" means hearing-impaired only after a language ("en.hi")
_DEFAULT = {"default"}
# Folder-level image names (Jellyfin/Kodi/Plex) -> kind.
_FOLDER_ART: dict[str, ArtKind] = {
    "poster": "poster",
    "folder": "poster",
    "cover": "poster",
    "default": "poster",
    "movie": "poster",
    "show": "poster",
    "fanart": "fanart",
    "backdrop": "fanart",
    "background": "fanart",
    "art": "fanart",
    "logo": "logo",
    "clearlogo": "logo",
    "banner": "banner",
    "thumb": "thumb",
    "landscape": "thumb",
}
# "<stem>-poster.jpg" etc.
_STEM_ART: dict[str, ArtKind] = {
    "poster": "poster",
    "fanart": "fanart",
    "backdrop": "fanart",
    "logo": "logo",
    "clearlogo": "logo",
    "banner": "banner",
    "thumb": "thumb",
    "landscape": "thumb",
}


@dataclass(frozen=True, slots=True)
class SidecarSubtitle:
    """A subtitle file next to a video. For VobSub, `path` is the .idx and `companion` the .sub."""

    path: PurePath
    format: str  # srt, ass, ssa, vtt, smi, microdvd (a lone .sub), vobsub (.idx + .sub)
    language: str | None  # ISO 639-2/B ("eng", "fre", "ger"), as Matroska tags; None if unknown
    is_forced: bool = False
    is_sdh: bool = False
    is_default: bool = False
    is_bitmap: bool = False
    label: str | None = None  # leftover name tokens, e.g. "Commentary" in "Movie.en.Commentary.srt"
    companion: PurePath | None = None


@dataclass(frozen=True, slots=True)
class Artwork:
    path: PurePath
    kind: ArtKind
    season: int | None = None  # season art (0 = specials); None for the title itself


@dataclass(frozen=True, slots=True)
class Sidecars:
    subtitles: tuple[SidecarSubtitle, ...]
    artwork: tuple[Artwork, ...]
    nfo: PurePath | None


def find_sidecars(
    video: PurePath,
    siblings: Sequence[str],
    *,
    kind: Literal["movie", "episode"] = "movie",
    own_folder: bool = True,
) -> Sidecars:
    """Subtitles, artwork and NFO for `video`, chosen among `siblings` (names in its folder).

    own_folder: the video is the only title in its folder (a movie folder), so folder-level names
    (poster.jpg, fanart.jpg, movie.nfo) belong to it. For episodes, folder-level art belongs to
    the series or season (see `find_folder_artwork`) and is never returned here.
    """
    names = _index(siblings)
    folder = video.parent
    stem = video.name.rpartition(".")[0] or video.name
    stems = _unique([stem.casefold(), strip_part(stem)[0].casefold()])
    subtitles = tuple(_subtitles(folder, stems[0], names, video.name.casefold()))
    artwork: list[Artwork] = []
    for s in stems:
        for suffix, art_kind in _STEM_ART.items():
            artwork += _images(folder, names, f"{s}-{suffix}", art_kind)
    if kind == "episode":
        for s in stems:
            artwork += _images(folder, names, s, "thumb")
    else:
        for s in stems:
            artwork += _images(folder, names, s, "poster")
        if own_folder:
            for base, art_kind in _FOLDER_ART.items():
                artwork += _images(folder, names, base, art_kind)
    nfo_names = [f"{s}.nfo" for s in stems]
    if kind == "movie" and own_folder:
        nfo_names.append("movie.nfo")
    nfo = next((folder / names[n] for n in nfo_names if n in names), None)
    return Sidecars(subtitles, tuple(_dedupe(artwork)), nfo)


def find_folder_artwork(
    folder: PurePath, names: Sequence[str], *, season: int | None = None
) -> tuple[Artwork, ...]:
    """Artwork of a series folder (season=None) or of a season folder (season given).

    Series folder: poster/folder/cover, fanart/backdrop, logo, banner, thumb/landscape, and season
    art by name: season02-poster.jpg, season-specials-poster.jpg (season 0), season2-fanart.png.
    Season folder: its poster.jpg/folder.jpg etc. are that season's art.
    """
    index = _index(names)
    out: list[Artwork] = []
    for base, art_kind in _FOLDER_ART.items():
        out += _images(folder, index, base, art_kind, season)
    if season is None:
        for lower, actual in index.items():
            art = _season_art(lower)
            if art is not None:
                out.append(Artwork(folder / actual, art[1], art[0]))
    return tuple(_dedupe(out))


def find_series_nfo(folder: PurePath, names: Sequence[str]) -> PurePath | None:
    """tvshow.nfo in a series folder."""
    actual = _index(names).get("tvshow.nfo")
    return folder / actual if actual else None


def normalize_language(text: str) -> str | None:
    """ISO 639-2/B code ("eng", "fre") for "en", "eng", "fra", "English", "pt-BR"; else None."""
    t = text.strip().replace("_", "-")
    if not t or len(t) > 40 or not all(c.isalpha() or c == "-" for c in t):
        return None
    lang = None
    try:
        if len(t) == 3 and t.isalpha():
            try:
                lang = Language.fromalpha3b(t.lower())
            except Exception:
                lang = Language(t.lower())
        elif len(t) == 2 or "-" in t:
            lang = Language.fromietf(t if "-" in t else t.lower())
        else:
            lang = Language.fromname(t.capitalize())
    except Exception:
        return None
    code = getattr(lang, "alpha3b", None) if lang else None
    return code if isinstance(code, str) and code not in ("und", "zxx", "mis") else None


# --- internals ------------------------------------------------------------------------------


def _index(names: Iterable[str]) -> dict[str, str]:
    """casefolded name -> actual name, for names that are one plain path component."""
    index: dict[str, str] = {}
    for name in sorted(n for n in names if isinstance(n, str)):
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
            continue
        index.setdefault(name.casefold(), name)
    return index


def _subtitles(
    folder: PurePath, stem: str, names: dict[str, str], video_name: str
) -> Iterable[SidecarSubtitle]:
    prefix = stem + "."
    idx_tokens = {
        lower[len(prefix) : -len(".idx")]
        for lower in names
        if lower.startswith(prefix) and lower.endswith(".idx")
    }
    for lower, actual in names.items():
        if lower == video_name or not lower.startswith(prefix):
            continue
        middle, _, ext = lower[len(prefix) :].rpartition(".")
        if not ext:
            middle, ext = "", lower[len(prefix) :]
        path = folder / actual
        # casefold can change a name's length ("ß" -> "ss"): then the tokens come from `lower`
        tail = (actual if len(actual) == len(lower) else lower)[len(prefix) :]
        if ext == "sub" and middle in idx_tokens:
            idx = f"{prefix}{middle}.idx" if middle else f"{stem}.idx"
            yield _subtitle(folder / names[idx], "vobsub", tail, path)
        elif ext == "sub":
            yield _subtitle(path, "microdvd", tail)
        elif ext in SUBTITLE_FORMATS:
            yield _subtitle(path, SUBTITLE_FORMATS[ext], tail)


def _subtitle(
    path: PurePath, fmt: str, tail: str, companion: PurePath | None = None
) -> SidecarSubtitle:
    tokens = [t for t in tail.rpartition(".")[0].split(".") if t] if "." in tail else []
    language = None
    forced = sdh = default = False
    rest: list[str] = []
    for token in tokens:
        low = token.casefold()
        if low in _FORCED:
            forced = True
        elif low in _SDH and (low != "hi" or language is not None):
            sdh = True
        elif low in _DEFAULT:
            default = True
        elif language is None and (code := normalize_language(token)):
            language = code
        else:
            rest.append(token)
    label = " ".join(" ".join(rest).split())[:100] or None
    return SidecarSubtitle(
        path=path,
        format=fmt,
        language=language,
        is_forced=forced,
        is_sdh=sdh,
        is_default=default,
        is_bitmap=fmt == "vobsub",
        label=label,
        companion=companion,
    )


def _images(
    folder: PurePath, names: dict[str, str], base: str, kind: ArtKind, season: int | None = None
) -> list[Artwork]:
    return [
        Artwork(folder / names[f"{base}.{ext}"], kind, season)
        for ext in IMAGE_EXTS
        if f"{base}.{ext}" in names
    ]


def _season_art(lower: str) -> tuple[int, ArtKind] | None:
    """(season, kind) for "season02-poster.jpg", "season-specials-fanart.png", else None."""
    base, _, ext = lower.rpartition(".")
    if ext not in IMAGE_EXTS or not base.startswith("season"):
        return None
    which, _, art = base[len("season") :].rpartition("-")
    kind = _STEM_ART.get(art)
    if kind is None:
        return None
    which = which.strip("-_ ")
    if which == "specials":
        return 0, kind
    if which.isascii() and which.isdigit() and len(which) <= 4:
        return int(which), kind
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _dedupe(items: list[Artwork]) -> list[Artwork]:
    return list(dict.fromkeys(items))
