"""Bytes and rungs of media answers, counted once per answer for the active-streams registry.

A media handler names the play and rung it served (`served`); when the answer is prepared its
length is known (a range included), and one response signal adds it to the play.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.serving import sent_bytes
from mediaserver.streaming.tokens import MediaGrant

_TRACK_KEY: web.RequestKey[tuple[MediaGrant, str | None]] = web.RequestKey("media_play")


def served(request: web.Request, grant: MediaGrant, rung: str | None) -> None:
    """This request serves `grant`'s play (from `rung`, None: not a rung's file)."""
    request[_TRACK_KEY] = (grant, rung)


async def _touch(request: web.Request, response: web.StreamResponse) -> None:
    found = request.get(_TRACK_KEY)
    if found is None:
        return
    grant, rung = found
    nbytes = 0 if request.method == "HEAD" else sent_bytes(response)
    request.app[active_streams_key].touch(grant.play_id, nbytes=nbytes, rung=rung)


def setup_media_accounting(app: web.Application) -> None:
    app.on_response_prepare.append(_touch)
