"""On-the-fly HLS routes: remux and transcode, playlists complete from the start, segments made
on demand.

    /media/t/{token}/live/{mode}/{variant}/master.m3u8
    /media/t/{token}/live/{mode}/{variant}/{rung}/index.m3u8 | init.mp4 | seg_NNNNN.m4s

Every path part is matched by a strict pattern (mode and rung from fixed sets, the variant by
decision.LIVE_VARIANT_PATTERN, segment numbers as five digits); the token is verified (401/403)
and the play must not be stopped (403). Cached segments are served by sendfile without touching
an encoder; others wait for their session (503 + Retry-After when the machine is full or the
segment takes too long).
"""

from __future__ import annotations

from typing import cast

from aiohttp import web

from mediaserver.http.auth import access
from mediaserver.http.files import bytes_response, send_file
from mediaserver.streaming.cors import add_preflight
from mediaserver.streaming.decision import LIVE_VARIANT_PATTERN
from mediaserver.streaming.keys import live_sessions_key
from mediaserver.streaming.live_playlists import LIVE_RUNGS, REMUX_RUNG
from mediaserver.streaming.methods import LiveMode
from mediaserver.streaming.session_run import INIT
from mediaserver.streaming.token_checks import check_token
from mediaserver.streaming.tokens import TOKEN_PATTERN

routes = web.RouteTableDef()
# Each GET route is followed by its CORS preflight (add_preflight) on the same resource:
# Chromecast receivers fetch media cross-origin with Range headers.

_BASE = (
    rf"/media/t/{{token:{TOKEN_PATTERN}}}/live/{{mode:remux|transcode}}"
    rf"/{{variant:{LIVE_VARIANT_PATTERN}}}"
)
_RUNG = "{rung:" + "|".join((REMUX_RUNG, *LIVE_RUNGS)) + "}"
_SEGMENT = "{segment:seg_[0-9]{5}\\.m4s}"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
PLAYLIST_CACHE = "private, max-age=5"
SEGMENT_CACHE = "private, max-age=31536000, immutable"


def _mode(request: web.Request) -> LiveMode:
    return cast(LiveMode, request.match_info["mode"])  # the route pattern allows only these


def _text(request: web.Request, text: str) -> web.Response:
    # Like packaged playlists: ETag and 304, gzip, and the same Range answers.
    return bytes_response(
        request,
        text.encode(),
        content_type=PLAYLIST_TYPE,
        cache_control=PLAYLIST_CACHE,
        compress=True,
    )


@routes.get(f"{_BASE}/master.m3u8", name="live_master")
@access("token")  # the signed token in the path is the credential
async def live_master(request: web.Request) -> web.Response:
    grant = check_token(request)
    service = request.app[live_sessions_key]
    text = await service.master(grant, _mode(request), request.match_info["variant"])
    return _text(request, text)


add_preflight(routes, f"{_BASE}/master.m3u8", "live_master")


@routes.get(f"{_BASE}/{_RUNG}/index.m3u8", name="live_media_playlist")
@access("token")
async def live_media_playlist(request: web.Request) -> web.Response:
    grant = check_token(request)
    service, match = request.app[live_sessions_key], request.match_info
    text = await service.media_playlist(grant, _mode(request), match["variant"], match["rung"])
    return _text(request, text)


add_preflight(routes, f"{_BASE}/{_RUNG}/index.m3u8", "live_media_playlist")


@routes.get(f"{_BASE}/{_RUNG}/init.mp4", name="live_init")
@access("token")
async def live_init(request: web.Request) -> web.StreamResponse:
    return await _serve(request, INIT)


add_preflight(routes, f"{_BASE}/{_RUNG}/init.mp4", "live_init")


@routes.get(f"{_BASE}/{_RUNG}/{_SEGMENT}", name="live_segment")
@access("token")
async def live_segment(request: web.Request) -> web.StreamResponse:
    return await _serve(request, int(request.match_info["segment"][4:9]))


add_preflight(routes, f"{_BASE}/{_RUNG}/{_SEGMENT}", "live_segment")


async def _serve(request: web.Request, n: int) -> web.StreamResponse:
    grant = check_token(request)
    service, match = request.app[live_sessions_key], request.match_info
    found = await service.segment(grant, _mode(request), match["variant"], match["rung"], n)
    content_type = "video/mp4" if found.init else "video/iso.segment"
    return await send_file(request, found.path, content_type, SEGMENT_CACHE)
