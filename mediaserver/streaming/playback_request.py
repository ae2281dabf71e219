"""What a player asks for when it presses play, and what it says it can decode.

The client states its abilities as `MediaSource.isTypeSupported` answers, keyed by the MIME
string it tested. Any MIME string is understood by its container (mp4 / webm / mpeg audio) and
codec families (avc1/avc3 -> h264, hvc1/hev1 -> hevc, av01 -> av1, vp8, vp09/vp9 -> vp9,
mp4a.40.* -> aac, mp4a.69/6B or audio/mpeg -> mp3, opus, flac, vorbis, ac-3, ec-3, alac). The web
player tests MSE_CANDIDATES. A browser without MSE but with native HLS (Safari on iPhone) is taken
to play what Apple devices play natively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from mediaserver.errors import BadRequest
from mediaserver.streaming.methods import Prefer
from mediaserver.streaming.playback_body import MAX_MSE_ENTRIES, PlaybackBody

MSE_CANDIDATES: tuple[str, ...] = (
    'video/mp4; codecs="avc1.640028"',
    'video/mp4; codecs="hvc1.1.6.L120.90"',
    'video/mp4; codecs="av01.0.08M.08"',
    'video/mp4; codecs="vp09.00.40.08"',
    'video/webm; codecs="vp8"',
    'video/webm; codecs="vp9"',
    'video/webm; codecs="av01.0.08M.08"',
    'audio/mp4; codecs="mp4a.40.2"',
    'audio/mp4; codecs="mp4a.69"',
    'audio/mp4; codecs="opus"',
    'audio/mp4; codecs="flac"',
    'audio/mp4; codecs="ac-3"',
    'audio/mp4; codecs="ec-3"',
    'audio/webm; codecs="opus"',
    'audio/webm; codecs="vorbis"',
    "audio/mpeg",
)
REQUEST_KEYS = frozenset(
    {"mse", "native_hls", "max_height", "audio", "subtitle_burn", "start", "prefer"}
)

# What Apple devices play natively (no MSE answers, native HLS).
APPLE_NATIVE = {("mp4", c) for c in ("h264", "hevc", "aac", "mp3", "ac3", "eac3", "flac", "alac")}

_MIME_FAMILY = [
    (re.compile(r"avc[13](\..*)?"), "h264"),
    (re.compile(r"(hvc1|hev1)(\..*)?"), "hevc"),
    (re.compile(r"av01(\..*)?"), "av1"),
    (re.compile(r"vp8(\.0)?"), "vp8"),
    (re.compile(r"(vp9|vp09)(\..*)?"), "vp9"),
    (re.compile(r"mp4a\.40(\..*)?"), "aac"),
    (re.compile(r"mp4a\.(69|6b)|mp3"), "mp3"),
    (re.compile(r"opus"), "opus"),
    (re.compile(r"flac"), "flac"),
    (re.compile(r"vorbis"), "vorbis"),
    (re.compile(r"ac-3"), "ac3"),
    (re.compile(r"ec-3"), "eac3"),
    (re.compile(r"alac"), "alac"),
]


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True, slots=True)
class PlaybackRequest:
    mse: dict[str, bool] = field(default_factory=dict)
    native_hls: bool = False
    max_height: int = 0  # 0: no cap
    audio: int | None = None  # stream index
    subtitle_burn: int | None = None  # subtitle track id
    start: float = 0.0
    prefer: Prefer = "auto"


_HIGHEST = {"max_height": 10_000, "audio": 9999, "subtitle_burn": 2**31 - 1}
_RANGE_ERRORS = ("greater_than_equal", "less_than_equal")


def _message(error: ErrorDetails) -> tuple[str, str]:
    """(the message a player reads, the field) for the first thing wrong with the body."""
    name = str(error["loc"][0])
    if name == "mse":
        if len(error["loc"]) > 1:  # a MIME string too long, or an answer not true or false
            return "'mse' maps MIME type strings to true or false.", name
        return f"'mse' must be an object of at most {MAX_MSE_ENTRIES} MIME types.", name
    if name == "native_hls":
        return "'native_hls' must be true or false.", name
    if name == "start":
        if error["type"] in _RANGE_ERRORS:
            return "'start' must be between 0 and the length of the title.", name
        return "'start' must be a number of seconds.", name
    if name == "prefer":
        return '\'prefer\' must be "auto" or "transcode".', name
    return f"'{name}' must be a whole number from 0 to {_HIGHEST[name]}.", name


def parse_request(data: dict[str, Any]) -> PlaybackRequest:
    """The JSON body, checked. Unknown keys are refused by name (400)."""
    unknown = sorted(set(data) - REQUEST_KEYS)
    if unknown:
        raise BadRequest(
            f"Unknown key '{unknown[0][:40]}'; allowed: {', '.join(sorted(REQUEST_KEYS))}.",
            field=unknown[0][:40],
        )
    try:
        body = PlaybackBody.model_validate(data)
    except ValidationError as exc:
        message, name = _message(exc.errors(include_url=False)[0])
        raise BadRequest(message, field=name) from None
    return PlaybackRequest(
        mse=dict(body.mse or {}),
        native_hls=body.native_hls,
        max_height=body.max_height or 0,
        audio=body.audio,
        subtitle_burn=body.subtitle_burn,
        start=float(body.start),
        prefer=body.prefer,
    )


# ------------------------------------------------------------------------ what it can play


def _container_of(mime: str) -> str | None:
    kind = mime.split(";", 1)[0].strip().lower()
    if kind in ("video/mp4", "audio/mp4"):
        return "mp4"
    if kind in ("video/webm", "audio/webm"):
        return "webm"
    if kind in ("audio/mpeg", "audio/mp3"):
        return "mpeg"
    return None


def _codecs_of(mime: str) -> list[str]:
    match = re.search(r"codecs\s*=\s*\"?([^\";]*)\"?", mime, re.IGNORECASE)
    if match is None:
        return ["mp3"] if _container_of(mime) == "mpeg" else []
    found = []
    for token in match.group(1).split(","):
        token = token.strip().lower()
        fam = next((f for pattern, f in _MIME_FAMILY if pattern.fullmatch(token)), None)
        if fam is not None:
            found.append(fam)
    return found


class Capabilities:
    """What the client plays: (container, codec family) pairs from its MSE answers."""

    def __init__(self, request: PlaybackRequest) -> None:
        self.native_hls = request.native_hls
        self.pairs: set[tuple[str, str]] = set()
        for mime, ok in request.mse.items():
            container = _container_of(mime)
            if not ok or container is None:
                continue
            for fam in _codecs_of(mime):
                self.pairs.add(("mp4" if container == "mpeg" else container, fam))
        if not request.mse and request.native_hls:
            self.pairs |= APPLE_NATIVE

    def plays(self, container: str, fam: str) -> bool:
        return (container, fam) in self.pairs
