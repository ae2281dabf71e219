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

from aiohttp import web

from mediaserver.errors import DomainError, NotFound, Unavailable
from mediaserver.http.auth import access
from mediaserver.keys import active_streams_key, live_sessions_key
from mediaserver.streaming.decision import LIVE_VARIANT_PATTERN, parse_live_variant
from mediaserver.streaming.live_playlists import LIVE_RUNGS, REMUX_RUNG, master_playlist
from mediaserver.streaming.live_playlists import media_playlist as media_playlist_text
from mediaserver.streaming.live_service import LiveService
from mediaserver.streaming.media_routes import add_preflight, check_token, playable
from mediaserver.streaming.sessions import INIT, RETRY_AFTER, SessionFailed, SessionsFull
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
FULL_RETRY_SECONDS = 10


class StreamFailed(DomainError):
    status = 500
    title = "The stream failed"


async def _context(request: web.Request):
    grant = check_token(request)
    service: LiveService = request.app[live_sessions_key]
    file = await playable(request.app, grant.media_file_id)
    mode = request.match_info["mode"]
    name = request.match_info["variant"]
    parsed = parse_live_variant(name)
    if parsed is None:
        raise NotFound("No such stream variant.")
    variant = service.variant(file, mode, name, parsed)
    geometry = await service.geometry(file)
    await service.prepare(file)
    rungs = service.rungs(mode, geometry, grant.max_height)
    return grant, service, file, mode, variant, geometry, rungs


def _text(text: str) -> web.Response:
    return web.Response(
        text=text,
        content_type=PLAYLIST_TYPE,
        headers={"Cache-Control": PLAYLIST_CACHE},
    )


@routes.get(f"{_BASE}/master.m3u8", name="live_master")
@access("token")  # the signed token in the path is the credential
async def live_master(request: web.Request) -> web.Response:
    _grant, _service, file, _mode, variant, geometry, rungs = await _context(request)
    entries = [(name, w, h, bps, codec) for name, (_p, w, h, bps, codec) in rungs.items()]
    if not entries:
        raise NotFound("No quality of this title fits what the token allows.")
    return _text(master_playlist(entries, geometry, variant.audio_index is not None))


add_preflight(routes, f"{_BASE}/master.m3u8", "live_master")


async def _rung(request: web.Request):
    grant, service, file, mode, variant, geometry, rungs = await _context(request)
    rung = request.match_info["rung"]
    if rung not in rungs:
        raise NotFound("No such quality for this title.")
    timeline = await service.timeline(file, mode)
    return grant, service, file, mode, variant, geometry, rungs[rung][0], rung, timeline


@routes.get(f"{_BASE}/{_RUNG}/index.m3u8", name="live_media_playlist")
@access("token")
async def live_media_playlist(request: web.Request) -> web.Response:
    *_rest, timeline = await _rung(request)
    return _text(media_playlist_text(timeline))


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
    grant, service, file, mode, variant, geometry, plan, rung, timeline = await _rung(request)
    if n != INIT and n >= timeline.count:
        raise NotFound(f"Segment {n} is past the end ({timeline.count} segments).")
    folder = service.cache.rung_dir(file.media_file_id, mode, variant.name, rung)
    name = "init.mp4" if n == INIT else service.cache.segment_name(n)
    path = service.cache.lookup(folder / name)
    key = (grant.play_id, file.media_file_id, mode, variant.name, rung)
    if path is None:
        try:
            path = await service.manager.segment(
                key,
                lambda: service.spec(file, mode, variant, plan, timeline, geometry),
                folder,
                n,
            )
        except SessionsFull:
            raise Unavailable(
                "Too many streams are being converted right now; try again shortly.",
                retry_after=FULL_RETRY_SECONDS,
            ) from None
        except TimeoutError:
            raise Unavailable(
                "This part of the stream is not ready yet; try again.", retry_after=RETRY_AFTER
            ) from None
        except SessionFailed as exc:
            raise StreamFailed(f"This title cannot be streamed: {exc.reason}.") from None
    else:
        service.manager.touch(key, n)
    if active_streams_key in request.app:
        size = path.stat().st_size if n != INIT else 0
        request.app[active_streams_key].touch(grant.play_id, nbytes=size, rung=rung)
    return web.FileResponse(
        path,
        headers={
            "Cache-Control": SEGMENT_CACHE,
            "Content-Type": "video/mp4" if n == INIT else "video/iso.segment",
        },
    )
