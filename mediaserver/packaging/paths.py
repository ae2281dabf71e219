"""The names inside a published ladder, parsed by strict patterns.

A request path below /media/t/<token>/ladder/ is accepted only if it is exactly one of the names the
packager writes; everything else (dots, "..", encoded separators, backslashes, NUL, absolute
paths, unknown files) is simply no match, answered 404 by the caller. What matches is turned into
a storage key below the ladder's published prefix and goes through Storage, never the filesystem.

Each publish gets its own prefix, "ladders/<media_file_id>/v<job_id>": segment names are cached
as immutable, so a re-packaged title must never reuse a URL with different bytes behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STAGING_ROOT = "staging"
LADDERS_ROOT = "ladders"

PLAYLIST = "application/vnd.apple.mpegurl"
DASH = "application/dash+xml"
# Playlists and manifests may change when a title is packaged again; segments, images and cue
# files of one ladder never change under the same name within a publish, so they cache for long.
SHORT_CACHE = "private, max-age=10"
LONG_CACHE = "private, max-age=31536000, immutable"

_RUNG = r"[a-z0-9][a-z0-9_-]{0,31}"
_TRACK = r"[a-z0-9][a-z0-9_-]{0,31}"  # "0_en_2ch"
_LANG = r"[a-z0-9][a-z0-9_-]{0,31}"
_NAME = r"[a-z0-9][a-z0-9_-]{0,63}"
_MEDIA_FILE = r"init\.mp4|seg_[0-9]{5}\.m4s|index\.m3u8"
_PATTERNS = [
    re.compile(r"master\.m3u8"),
    re.compile(r"manifest\.mpd"),
    re.compile(rf"video/{_RUNG}/(?:{_MEDIA_FILE}|iframes\.m3u8)"),
    re.compile(rf"audio/{_TRACK}/(?:{_MEDIA_FILE})"),
    re.compile(rf"subs/{_LANG}/(?:index\.m3u8|subs\.vtt)"),
    re.compile(rf"posters/{_NAME}\.(?:webp|jpg)"),
    re.compile(rf"trickplay/{_NAME}\.(?:vtt|jpg|webp)"),
]


@dataclass(frozen=True, slots=True)
class LadderFile:
    key: str  # the storage key
    content_type: str
    cache_control: str


def ladder_prefix(media_file_id: int, job_id: int) -> str:
    """Where one publish of a file's ladder lives; every publish gets a new one (see above)."""
    return f"{LADDERS_ROOT}/{int(media_file_id)}/v{int(job_id)}"


def staging_prefix(job_id: int) -> str:
    return f"{STAGING_ROOT}/{int(job_id)}"


def _content_type(path: str) -> str:
    ext = path.rsplit(".", 1)[-1]
    if ext == "m3u8":
        return PLAYLIST
    if ext == "mpd":
        return DASH
    if ext in ("mp4", "m4s"):
        return "audio/mp4" if path.startswith("audio/") else "video/mp4"
    if ext == "vtt":
        return "text/vtt"
    if ext == "webp":
        return "image/webp"
    return "image/jpeg"


def parse_ladder_path(prefix: str, path: str) -> LadderFile | None:
    """The storage key, content type and cache policy for a path inside a ladder, or None."""
    if not isinstance(path, str) or len(path) > 200:
        return None
    if not any(p.fullmatch(path) for p in _PATTERNS):
        return None
    short = path.endswith((".m3u8", ".mpd"))
    return LadderFile(
        key=f"{prefix}/{path}",
        content_type=_content_type(path),
        cache_control=SHORT_CACHE if short else LONG_CACHE,
    )
