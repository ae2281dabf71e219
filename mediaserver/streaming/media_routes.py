"""Media URLs that carry a signed token: ladder files, the original for direct play, subtitles.

    GET/HEAD /media/t/{token}/ladder/{path}        a file of the token's file's published ladder
    GET/HEAD /media/t/{token}/file/{id}.{ext}      the original file (direct play, Range)
    GET/HEAD /media/t/{token}/subs/{track_id}.vtt  a text subtitle track as WebVTT
    OPTIONS  /media/t/...                          CORS preflight (Range)

No cookie is needed or looked at: the token is the credential (401 missing, forged or expired;
403 for another file, or when an admin stopped the play; see token_checks.py). On the hot path
(ladder segments) the token check is CPU only and the stop check an in-memory lookup; the
ladder's storage prefix and rung sizes come from media_cache.py. Names are parsed by strict
patterns; files are found by id, never by a path built from the request.

A token capped at a height sees a master playlist (and DASH manifest) without the rungs above
it (playlist_rewrite.py), and the files of those rungs are refused with 403.
"""

from __future__ import annotations

import re

from aiohttp import web

from mediaserver.errors import Forbidden, NotFound
from mediaserver.http.auth import access
from mediaserver.http.files import bytes_response, send_file, storage_response
from mediaserver.keys import storage_key
from mediaserver.packaging import parse_ladder_path
from mediaserver.streaming.accounting import served
from mediaserver.streaming.cors import add_preflight
from mediaserver.streaming.direct import original_path
from mediaserver.streaming.media_cache import (
    ladder_playlist,
    ladder_view,
    local_ladder_path,
    playable,
    subtitle_cache_key,
)
from mediaserver.streaming.playlist_rewrite import CAPPED
from mediaserver.streaming.serving import LONG_CACHE
from mediaserver.streaming.token_checks import check_token

routes = web.RouteTableDef()

_TOKEN = r"{token:[^/]{1,200}}"
LADDER_PATH = f"/media/t/{_TOKEN}/ladder/{{path:.+}}"
FILE_PATH = f"/media/t/{_TOKEN}/file/{{name}}"
SUBS_PATH = f"/media/t/{_TOKEN}/subs/{{name}}"
_RUNG_DIR = re.compile(r"video/([^/]+)/")
_FILE_NAME = re.compile(r"(?P<id>[1-9][0-9]{0,17})(?P<ext>\.[a-z0-9]{2,4})")
_SUBS_NAME = re.compile(r"(?P<id>[1-9][0-9]{0,17})\.vtt")
NO_LADDER = "This title has no packaged version."


def _rung_of(path: str) -> str | None:
    match = _RUNG_DIR.match(path)
    return match.group(1) if match else None


@routes.get(LADDER_PATH, name="media_ladder_file")
@access("token")  # the signed token in the URL is the credential
async def ladder_file(request: web.Request) -> web.StreamResponse:
    grant = check_token(request)
    view = await ladder_view(request.app, grant.media_file_id)
    if view is None:
        raise NotFound(NO_LADDER)
    path = request.match_info["path"]
    found = parse_ladder_path(view.prefix, path)
    if found is None:
        raise NotFound("No such file in this title's ladder.")
    rung = _rung_of(path)
    if rung is not None and not grant.allows_height(view.heights.get(rung, 0)):
        raise Forbidden("This stream is limited to a lower quality.")
    served(request, grant, rung)
    if path.endswith((".m3u8", ".mpd")):
        cap = grant.max_height if path in CAPPED else 0
        body = await ladder_playlist(request.app, found.key, cap)
        return bytes_response(
            request,
            body,
            content_type=found.content_type,
            cache_control=found.cache_control,
            compress=True,
        )
    local = await local_ladder_path(request.app, found.key)
    if local is None:  # storage without local files (S3): streamed by range
        storage = request.app[storage_key]
        return await storage_response(
            request, storage, found.key, found.content_type, found.cache_control
        )
    return await send_file(request, local, found.content_type, found.cache_control)


add_preflight(routes, LADDER_PATH, "media_ladder_file")


@routes.get(FILE_PATH, name="media_direct_file")
@access("token")
async def direct_file(request: web.Request) -> web.StreamResponse:
    match = _FILE_NAME.fullmatch(request.match_info["name"])
    if match is None:
        raise NotFound("No such file.")
    grant = check_token(request, int(match["id"]))
    file = await playable(request.app, grant.media_file_id)
    if match["ext"] != file.source.extension:
        raise NotFound("No such file.")
    video = file.source.video
    if video is not None and not grant.allows_height(video.height):
        # A token capped below the original (a ladder or on-the-fly play) never reaches it.
        raise Forbidden("This stream is limited to a lower quality.")
    served(request, grant, "original")
    path = await original_path(file)
    content_type = "video/webm" if file.source.extension == ".webm" else "video/mp4"
    if file.source.video is None:
        content_type = content_type.replace("video/", "audio/")
    return await send_file(request, path, content_type, LONG_CACHE, in_thread=True)


add_preflight(routes, FILE_PATH, "media_direct_file")


@routes.get(SUBS_PATH, name="media_subtitle")
@access("token")
async def subtitle(request: web.Request) -> web.StreamResponse:
    match = _SUBS_NAME.fullmatch(request.match_info["name"])
    if match is None:
        raise NotFound("No such subtitle track.")
    grant = check_token(request)
    file = await playable(request.app, grant.media_file_id)
    track = next((t for t in file.subtitles if t.id == int(match["id"])), None)
    if track is None:
        raise NotFound("No such subtitle track for this title.")
    served(request, grant, None)
    vtt = await request.app[subtitle_cache_key].vtt(file, track)
    return await send_file(request, vtt, "text/vtt; charset=utf-8", LONG_CACHE)


add_preflight(routes, SUBS_PATH, "media_subtitle")
