"""What a clip may be: its range inside the title and within the length limit, its name, its
visibility; and the signed media URLs that play it."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from mediaserver.errors import DomainError
from mediaserver.social.text import INVISIBLE

MAX_NAME = 100
URL_SECONDS = 6 * 3600
_LINE_BREAKS = re.compile("[\t\n\r]")  # a name is one line
MEDIA_NAMES = re.compile(r"clip\.mp4|poster\.jpg|hls/(?:index\.m3u8|init\.mp4|seg_[0-9]{5}\.m4s)")


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable clip"


def clean_name(raw: object) -> str:
    """The name as typed, invisible direction and zero-width characters removed; 422 when empty
    or too long."""
    text = _LINE_BREAKS.sub("", INVISIBLE.sub("", str(raw or ""))).strip()
    if not text:
        raise Unprocessable("Give the clip a name.")
    if len(text) > MAX_NAME:
        raise Unprocessable(f"A clip name has at most {MAX_NAME} characters.")
    return text


def check_range(start: float, end: float, duration: float | None, max_seconds: float) -> None:
    """422 with the reason when the range is not a clip this title allows."""
    if start != start or end != end or start < 0:  # NaN or negative
        raise Unprocessable("The clip must start at or after 0:00.")
    if end == start:
        raise Unprocessable("The clip is empty: its end must come after its start.")
    if end < start:
        raise Unprocessable("The clip ends before it starts.")
    if end - start > max_seconds + 1e-6:
        raise Unprocessable(f"A clip may be at most {max_seconds:g} seconds long.")
    if duration is not None and end > duration + 0.05:
        raise Unprocessable(f"The clip goes past the end of the title ({duration:.1f} s).")


def sign(secret: bytes, slug: str, expires: int) -> str:
    return hmac.new(secret, f"clip:{slug}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def media_base(secret: bytes, slug: str, now: float | None = None) -> str:
    """The signed prefix of this clip's media URLs (for this clip only, expiring)."""
    expires = int((now or time.time()) + URL_SECONDS)
    return f"/c/{slug}/m/{expires}/{sign(secret, slug, expires)}/"


def signature_ok(secret: bytes, slug: str, expires: str, signature: str) -> bool:
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(sign(secret, slug, int(expires)), signature)
