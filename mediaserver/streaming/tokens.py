"""Signed media tokens: a player, Chromecast or AirPlay receiver fetches media without cookies.

A token is carried in the URL path (`/media/t/<token>/...`) so that every relative URL inside a
playlist inherits it. It binds the user, profile, media file, the highest allowed rung (as a
height; 0 = no cap), an expiry, a play id (a random nonce naming this playback, which an admin
can stop) and the rights generations of the user, profile and file when it was issued (a token
whose generations are behind is refused: see rights.py). Format, all URL-safe and parsed by one
strict pattern:

    <user>.<profile>.<media_file>.<max_height>.<expires>.<play_id>.<gen_user>.<gen_profile>
    .<gen_file>.<signature>

The signature is HMAC-SHA256 (truncated to 128 bits) under a key derived from the server secret,
so no database read is needed to check a token on the hot path of segment serving.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from mediaserver.db.rights import Generations
from mediaserver.errors import Forbidden, Unauthorized

_PATTERN = re.compile(
    r"(?P<u>[1-9][0-9]{0,9})\.(?P<p>[1-9][0-9]{0,9})\.(?P<m>[1-9][0-9]{0,9})\."
    r"(?P<h>0|[1-9][0-9]{0,4})\.(?P<e>[1-9][0-9]{0,11})\.(?P<n>[0-9a-f]{16})\."
    r"(?P<gu>0|[1-9][0-9]{0,9})\.(?P<gp>0|[1-9][0-9]{0,9})\.(?P<gf>0|[1-9][0-9]{0,9})\."
    r"(?P<s>[A-Za-z0-9_-]{22})"
)
TOKEN_PATTERN = _PATTERN.pattern  # for aiohttp route patterns: {token:<TOKEN_PATTERN>}
_CONTEXT = b"mediaserver media token v2"
MAX_LENGTH = 160


@dataclass(frozen=True, slots=True)
class MediaGrant:
    """What a media token allows: one media file, for one profile, up to a height, until expiry."""

    user_id: int
    profile_id: int
    media_file_id: int
    max_height: int  # 0: no cap
    expires_at: int  # UTC epoch seconds
    play_id: str  # 16 hex digits
    generations: Generations = Generations()

    def allows_height(self, height: int) -> bool:
        return self.max_height == 0 or height <= self.max_height


def _key(secret: bytes) -> bytes:
    return hmac.new(secret, _CONTEXT, hashlib.sha256).digest()


def _signature(secret: bytes, payload: str) -> str:
    mac = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def new_play_id() -> str:
    return secrets.token_hex(8)


def issue(
    secret: bytes,
    *,
    user_id: int,
    profile_id: int,
    media_file_id: int,
    max_height: int,
    ttl_seconds: float,
    play_id: str | None = None,
    generations: Generations | None = None,
    now: float | None = None,
) -> tuple[str, MediaGrant]:
    """A new signed token and the grant it carries."""
    grant = MediaGrant(
        user_id=int(user_id),
        profile_id=int(profile_id),
        media_file_id=int(media_file_id),
        max_height=max(0, int(max_height)),
        expires_at=int((time.time() if now is None else now) + ttl_seconds),
        play_id=play_id or new_play_id(),
        generations=generations or Generations(),
    )
    return sign(secret, grant), grant


def sign(secret: bytes, grant: MediaGrant) -> str:
    gens = grant.generations
    payload = (
        f"{grant.user_id}.{grant.profile_id}.{grant.media_file_id}.{grant.max_height}."
        f"{grant.expires_at}.{grant.play_id}.{gens.user}.{gens.profile}.{gens.file}"
    )
    return f"{payload}.{_signature(secret, payload)}"


def verify(
    secret: bytes, token: str, media_file_id: int | None = None, *, now: float | None = None
) -> MediaGrant:
    """The grant a token carries. 401 when missing, malformed, forged or expired; 403 when it is
    valid but for another media file."""
    if not token or len(token) > MAX_LENGTH:
        raise Unauthorized("This media URL has no valid token; ask for a new one.")
    match = _PATTERN.fullmatch(token)
    if match is None:
        raise Unauthorized("This media URL has no valid token; ask for a new one.")
    payload = token[: match.start("s") - 1]
    if not hmac.compare_digest(_signature(secret, payload), match["s"]):
        raise Unauthorized("This media URL's token is not valid; ask for a new one.")
    grant = MediaGrant(
        user_id=int(match["u"]),
        profile_id=int(match["p"]),
        media_file_id=int(match["m"]),
        max_height=int(match["h"]),
        expires_at=int(match["e"]),
        play_id=match["n"],
        generations=Generations(int(match["gu"]), int(match["gp"]), int(match["gf"])),
    )
    if grant.expires_at <= (time.time() if now is None else now):
        raise Unauthorized("This media URL has expired; ask for a new one.")
    if media_file_id is not None and grant.media_file_id != int(media_file_id):
        raise Forbidden("This media token is for another title.")
    return grant
