"""Media URLs that carry a signed token: ladder files, the original for direct play, subtitles.

    GET/HEAD /media/t/{token}/ladder/{path}        a file of the token's file's published ladder
    GET/HEAD /media/t/{token}/file/{id}.{ext}      the original file (direct play, Range)
    GET/HEAD /media/t/{token}/subs/{track_id}.vtt  a text subtitle track as WebVTT
    OPTIONS  /media/t/...                          CORS preflight (Range)

No cookie is needed or looked at: the token is the credential (401 missing, forged or expired;
403 for another file, or when an admin stopped the play). On the hot path (ladder segments) the
token check is CPU only and the stop check an in-memory lookup; the ladder's storage prefix and
rung sizes come from a cache refreshed every LADDER_TTL seconds. Names are parsed by strict
patterns; files are found by id, never by a path built from the request.

A token capped at a height sees a master playlist (and DASH manifest) without the rungs above
it, and the files of those rungs are refused with 403.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from aiohttp import web

from mediaserver.errors import BadRequest, Forbidden, NotFound
from mediaserver.http.auth import ACCESS_ATTR, access
from mediaserver.keys import active_streams_key, config_key, db_key, secret_key, storage_key
from mediaserver.packaging import store as ladder_store
from mediaserver.packaging.paths import parse_ladder_path
from mediaserver.streaming import tokens
from mediaserver.streaming.direct import SubtitleCache, original_path
from mediaserver.streaming.serving import (
    LONG_CACHE,
    PREFLIGHT_HEADERS,
    Body,
    bytes_response,
    send_file,
    storage_response,
)
from mediaserver.streaming.store import PlayableFile, load_playable

routes = web.RouteTableDef()

LADDER_TTL = 10.0  # seconds a ladder's prefix and rungs are cached
MAX_CACHED_PATHS = 50_000  # storage key -> local path of ladder files (checked once each)
MAX_CACHED_PLAYLIST_BYTES = 32 * 1024 * 1024
CAPPED = ("master.m3u8", "manifest.mpd")  # the files a height cap rewrites
FILE_TTL = 30.0
_TOKEN = r"{token:[^/]{1,200}}"
LADDER_PATH = f"/media/t/{_TOKEN}/ladder/{{path:.+}}"
FILE_PATH = f"/media/t/{_TOKEN}/file/{{name}}"
SUBS_PATH = f"/media/t/{_TOKEN}/subs/{{name}}"
_RUNG_DIR = re.compile(r"video/([^/]+)/")
_FILE_NAME = re.compile(r"(?P<id>[1-9][0-9]{0,17})(?P<ext>\.[a-z0-9]{2,4})")
_SUBS_NAME = re.compile(r"(?P<id>[1-9][0-9]{0,17})\.vtt")
_TRACK_KEY: web.RequestKey[tuple[tokens.MediaGrant, str | None]] = web.RequestKey("media_play")
NO_LADDER = "This title has no packaged version."
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class LadderView:
    prefix: str
    heights: dict[str, int]  # rung folder name -> height


class _Cache(Generic[V]):  # noqa: UP046 - Python 3.11 has no type parameter syntax
    """A small time-limited cache (per process) keyed by media file id."""

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[int, tuple[float, V | None]] = {}

    def get(self, key: int) -> tuple[bool, V | None]:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: int, value: V | None) -> None:
        if len(self._items) >= self.size:
            self._items.clear()  # rare: thousands of different files within one TTL
        self._items[key] = (time.monotonic() + self.ttl, value)


_ladders: web.AppKey[_Cache[LadderView]] = web.AppKey("streaming_ladder_cache")
_files: web.AppKey[_Cache[PlayableFile]] = web.AppKey("streaming_file_cache")
subtitle_cache_key: web.AppKey[SubtitleCache] = web.AppKey("streaming_subtitle_cache")
_local_paths: web.AppKey[dict[str, Path]] = web.AppKey("streaming_local_paths")
_playlists: web.AppKey[dict[tuple[str, int], Body]] = web.AppKey("streaming_playlists")


def setup_media_caches(app: web.Application) -> None:
    app[_ladders] = _Cache(LADDER_TTL)
    app[_files] = _Cache(FILE_TTL)
    app[subtitle_cache_key] = SubtitleCache(app[config_key].paths.cache_dir)
    app[_local_paths] = {}
    app[_playlists] = {}


def check_token(request: web.Request, media_file_id: int | None = None) -> tokens.MediaGrant:
    """The request's grant: verified (401/403) and not stopped by an admin (403). Media URLs
    take no query parameters at all: everything is in the strictly parsed path, so an unknown
    key is refused (400) rather than silently ignored (SECURITY class 1)."""
    if request.query_string:
        key = next(iter(request.query.keys()), request.query_string)[:40]
        raise BadRequest(f"Media URLs take no query parameters; {key!r} is not one.")
    grant = tokens.verify(request.app[secret_key], request.match_info["token"], media_file_id)
    if request.app[active_streams_key].is_stopped(grant.play_id):
        raise Forbidden("An administrator stopped this stream.")
    return grant


async def ladder_view(app: web.Application, media_file_id: int) -> LadderView | None:
    cache = app[_ladders]
    hit, view = cache.get(media_file_id)
    if hit:
        return view
    ladder = await ladder_store.get_ladder(app[db_key], media_file_id)
    view = None
    if ladder is not None and ladder.published and ladder.storage_prefix:
        heights = {str(r.get("name")): int(r.get("height") or 0) for r in ladder.rungs}
        view = LadderView(ladder.storage_prefix, heights)
    cache.put(media_file_id, view)
    return view


async def playable(app: web.Application, media_file_id: int) -> PlayableFile:
    cache = app[_files]
    hit, file = cache.get(media_file_id)
    if not hit:
        file = await load_playable(app[db_key], media_file_id)
        cache.put(media_file_id, file)
    if file is None:
        raise NotFound("This title's file is not available.")
    return file


def cap_master(text: str, max_height: int) -> str:
    """The master playlist without the variants (and I-frame playlists) above max_height."""
    out: list[str] = []
    drop_uri = False
    for line in text.splitlines():
        if drop_uri and line and not line.startswith("#"):
            drop_uri = False  # the URI line of a dropped variant
            continue
        if line.startswith(("#EXT-X-STREAM-INF:", "#EXT-X-I-FRAME-STREAM-INF:")):
            match = re.search(r"RESOLUTION=\d+x(\d+)", line)
            if match and int(match.group(1)) > max_height:
                drop_uri = line.startswith("#EXT-X-STREAM-INF:")
                continue
        out.append(line)
    return "\n".join(out) + "\n"


def cap_manifest(data: bytes, max_height: int) -> bytes:
    """The DASH manifest without the video Representations above max_height."""
    ns = "urn:mpeg:dash:schema:mpd:2011"
    ET.register_namespace("", ns)
    root = ET.fromstring(data)  # noqa: S314 - our own packager's output, read from our storage
    for adaptation in root.iter(f"{{{ns}}}AdaptationSet"):
        for rep in list(adaptation.findall(f"{{{ns}}}Representation")):
            height = rep.get("height")
            if height and height.isdigit() and int(height) > max_height:
                adaptation.remove(rep)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _rung_of(path: str) -> str | None:
    match = _RUNG_DIR.match(path)
    return match.group(1) if match else None


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight for media GETs with a Range header (the CORS signal adds the origin)."""
    return web.Response(status=204, headers=PREFLIGHT_HEADERS)


setattr(preflight, ACCESS_ATTR, "public")


def add_preflight(table: web.RouteTableDef, path: str, name: str) -> None:
    """OPTIONS on the same resource as the GET route just added for `path` (the live routes
    use this too), so preflights are answered without a catch-all route shadowing others."""
    table.route("OPTIONS", path, name=name)(preflight)


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
    request[_TRACK_KEY] = (grant, rung)
    storage = request.app[storage_key]
    if path.endswith((".m3u8", ".mpd")):
        body = await _playlist(request.app, found.key, grant.max_height if path in CAPPED else 0)
        return bytes_response(
            request,
            body,
            content_type=found.content_type,
            cache_control=found.cache_control,
            compress=True,
        )
    paths = request.app[_local_paths]
    local = paths.get(found.key)
    if local is None:
        local = await storage.local_path(found.key)
        if local is None:  # storage without local files (S3): streamed by range
            return await storage_response(
                request, storage, found.key, found.content_type, found.cache_control
            )
        if len(paths) >= MAX_CACHED_PATHS:
            paths.clear()
        paths[found.key] = local
    return await send_file(request, local, found.content_type, found.cache_control)


async def _playlist(app: web.Application, key: str, cap: int) -> Body:
    """A ladder playlist or manifest (capped when asked), from the cache when it is there.
    Ladder files never change under a key (each publish has its own prefix), so the cache only
    needs a size bound."""
    cache = app[_playlists]
    body = cache.get((key, cap))
    if body is not None:
        return body
    async with await app[storage_key].open_range(key) as stream:
        data = await stream.read_all()
    if cap and key.endswith(".m3u8"):
        data = cap_master(data.decode("utf-8"), cap).encode("utf-8")
    elif cap:
        data = cap_manifest(data, cap)
    body = Body(data)
    if sum(b.size for b in cache.values()) + 2 * len(data) > MAX_CACHED_PLAYLIST_BYTES:
        cache.clear()
    cache[(key, cap)] = body
    return body


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
    request[_TRACK_KEY] = (grant, "original")
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
    request[_TRACK_KEY] = (grant, None)
    vtt = await request.app[subtitle_cache_key].vtt(file, track)
    return await send_file(request, vtt, "text/vtt; charset=utf-8", LONG_CACHE)


add_preflight(routes, SUBS_PATH, "media_subtitle")


async def _touch(request: web.Request, response: web.StreamResponse) -> None:
    # At prepare time FileResponse knows its length (range included): one place counts bytes.
    found = request.get(_TRACK_KEY)
    if found is None:
        return
    grant, rung = found
    nbytes = response.content_length or 0 if response.status in (200, 206) else 0
    if request.method == "HEAD":
        nbytes = 0
    request.app[active_streams_key].touch(grant.play_id, nbytes=nbytes, rung=rung)


def setup_media_accounting(app: web.Application) -> None:
    app.on_response_prepare.append(_touch)
