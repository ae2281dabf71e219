"""Serving published ladders to players: files, a JSON description, and a minimal watch page.

GET /media/ladders/{media_file_id}/{path} serves one file of a published ladder. The path must
match `paths.parse_ladder_path` exactly (404 otherwise) and is read through Storage by key. Local
storage answers with sendfile (`web.FileResponse`: Range, 416, ETag, If-None-Match, 304); a
backend without local files is streamed through `open_range` with the same semantics.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts.identity import get_identity
from mediaserver.catalog.browse import may_watch_file
from mediaserver.errors import NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.http.templating import render
from mediaserver.keys import db_key, storage_key
from mediaserver.packaging import store
from mediaserver.packaging.paths import LadderFile, parse_ladder_path
from mediaserver.storage.base import ObjectNotFound, RangeNotSatisfiable

routes = web.RouteTableDef()

NO_LADDER = "This title has no packaged version yet."


async def _visible_ladder(request: web.Request, media_file_id: int) -> store.Ladder | None:
    """The file's ladder row, or None when this profile may not see the title (kids cap)."""
    db = request.app[db_key]
    if not await may_watch_file(db, get_identity(request).profile, media_file_id):
        return None
    return await store.get_ladder(db, media_file_id)


async def _published(request: web.Request, media_file_id: int) -> store.Ladder:
    ladder = await _visible_ladder(request, media_file_id)
    if ladder is None or not ladder.published:
        raise NotFound(NO_LADDER)
    return ladder


def _file_id(request: web.Request) -> int:
    return int_path(request, "media_file_id")


@routes.get("/media/ladders/{media_file_id}/{path:.+}", name="ladder_file")
@access("profile")
async def ladder_file(request: web.Request) -> web.StreamResponse:
    media_file_id = _file_id(request)
    ladder = await _published(request, media_file_id)
    found = parse_ladder_path(ladder.storage_prefix or "", request.match_info["path"])
    if found is None:
        raise NotFound("No such file in this title's ladder.")
    storage = request.app[storage_key]
    headers = {"Cache-Control": found.cache_control, "Content-Type": found.content_type}
    try:
        path = await storage.local_path(found.key)
    except ObjectNotFound:
        raise NotFound("No such file in this title's ladder.") from None
    if path is not None:
        return web.FileResponse(path, headers=headers)
    return await _stream(request, found, headers)


async def _stream(
    request: web.Request, found: LadderFile, headers: dict[str, str]
) -> web.StreamResponse:
    """The same answers as FileResponse, for storage without local files."""
    storage = request.app[storage_key]
    info = await storage.stat(found.key)
    if info is None:
        raise NotFound("No such file in this title's ladder.")
    etag = f'"{info.etag}"'
    headers = headers | {"ETag": etag, "Accept-Ranges": "bytes"}
    inm = request.headers.get("If-None-Match")
    if inm and (
        inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]
    ):
        return web.Response(status=304, headers=headers)
    start, end = 0, None
    if "Range" in request.headers:
        try:
            rng = request.http_range
        except ValueError:
            return _unsatisfiable(info.size, headers)
        start, end = rng.start or 0, rng.stop
        if start < 0:
            start = max(0, info.size + start)
    try:
        stream = await storage.open_range(found.key, start, end)
    except RangeNotSatisfiable:
        return _unsatisfiable(info.size, headers)
    except ObjectNotFound:
        raise NotFound("No such file in this title's ladder.") from None
    partial = "Range" in request.headers
    resp = web.StreamResponse(status=206 if partial else 200, headers=headers)
    if partial:
        resp.headers["Content-Range"] = f"bytes {stream.start}-{stream.end - 1}/{info.size}"
    resp.content_length = stream.length
    async with stream:
        await resp.prepare(request)
        if request.method != "HEAD":
            async for chunk in stream:
                await resp.write(chunk)
    await resp.write_eof()
    return resp


def _unsatisfiable(size: int, headers: dict[str, str]) -> web.Response:
    return web.Response(status=416, headers=headers | {"Content-Range": f"bytes */{size}"})


def ladder_urls(ladder: store.Ladder) -> dict[str, Any]:
    """URLs a player needs, all below /media/ladders/<id>/ (signed tokens come later)."""
    base = f"/media/ladders/{ladder.media_file_id}"

    def url(key: str | None) -> str | None:
        if not key or not ladder.storage_prefix:
            return None
        rel = key.removeprefix(ladder.storage_prefix + "/")
        return f"{base}/{rel}" if rel != key else None

    subtitles = []
    for s in ladder.subtitles:
        entry = {
            "language": s.get("language"),
            "name": s.get("name"),
            "forced": bool(s.get("forced")),
            "default": bool(s.get("default")),
            "burn_in_only": bool(s.get("burn_in_only")),
        }
        if not entry["burn_in_only"]:
            entry["vtt"] = url(s.get("key"))
            entry["playlist"] = url(s.get("playlist_key"))
        subtitles.append(entry)
    trick = ladder.trickplay or {}
    return {
        "hls": f"{base}/master.m3u8",
        "dash": f"{base}/manifest.mpd",
        "subtitles": subtitles,
        "trickplay": {
            "vtt": url(trick.get("vtt")),
            **{k: trick.get(k) for k in ("interval", "tile_width", "tile_height") if k in trick},
        }
        if trick
        else None,
        "poster": url(ladder.poster_key),
        "posters": [
            {"url": url(p.get("key")), "jpeg": url(p.get("jpeg")), "score": p.get("score")}
            for p in ladder.posters
        ],
    }


def ladder_json(ladder: store.Ladder) -> dict[str, Any]:
    data: dict[str, Any] = {
        "media_file_id": ladder.media_file_id,
        "status": ladder.status,
        "error": ladder.error,
        "published": ladder.published,
        "duration_seconds": ladder.duration_seconds,
        "rungs": ladder.rungs,
        "audio": ladder.audio,
    }
    if ladder.published:
        data |= ladder_urls(ladder)
    return data


@routes.get("/api/v1/media/{media_file_id}/ladder", name="api_media_ladder")
@access("profile")
async def api_ladder(request: web.Request) -> web.Response:
    ladder = await _visible_ladder(request, _file_id(request))
    if ladder is None:
        raise NotFound(NO_LADDER)
    return web.json_response(ladder_json(ladder))


@routes.get("/watch/{media_file_id}", name="watch")
@access("profile")
async def watch_page(request: web.Request) -> web.Response:
    ladder = await _published(request, _file_id(request))
    return render(
        request,
        "packaging/watch.html",
        {"ladder": ladder, "urls": ladder_urls(ladder), "title": ladder.title},
    )
