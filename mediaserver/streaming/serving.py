"""Media answers: their cache policies and the bandwidth figure. The bytes go out through
`http.files` (Range, ETag, gzip), the one implementation every media route shares; CORS headers
on media URLs are added by cors.py."""

from __future__ import annotations

from aiohttp import web

LONG_CACHE = "private, max-age=31536000, immutable"
PLAYLIST = "application/vnd.apple.mpegurl"


def sent_bytes(response: web.StreamResponse) -> int:
    """What a media answer will send, for the active-streams bandwidth figure."""
    if response.status not in (200, 206):
        return 0
    return response.content_length or 0
