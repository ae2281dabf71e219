"""Signed, expiring download URLs: /offline/file/<download id>.<expires>.<signature>/<name>.mp4.

The URL names the download, not what it contains: the rendition and the rights are read from
the download's row and checked again on every request, so an old URL stops working the moment
the account, profile, title or download changes, whatever its expiry says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

_CONTEXT = b"mediaserver offline download v1"
TOKEN = re.compile(r"(?P<id>[1-9][0-9]{0,17})\.(?P<e>[1-9][0-9]{0,11})\.(?P<s>[A-Za-z0-9_-]{22})")
TOKEN_PATTERN = TOKEN.pattern


def _signature(secret: bytes, payload: str) -> str:
    key = hmac.new(secret, _CONTEXT, hashlib.sha256).digest()
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def sign(secret: bytes, download_id: int, ttl_seconds: float, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + ttl_seconds)
    payload = f"{int(download_id)}.{expires}"
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: bytes, token: str, now: float | None = None) -> tuple[int, bool]:
    """(download id, still valid) of a well-signed token; ValueError for anything else."""
    match = TOKEN.fullmatch(token)
    if match is None:
        raise ValueError("malformed")
    payload = token[: match.start("s") - 1]
    if not hmac.compare_digest(_signature(secret, payload), match["s"]):
        raise ValueError("forged")
    return int(match["id"]), int(match["e"]) > (time.time() if now is None else now)
