"""Clip pages: /c/<id> (plays just the clip, with an OpenGraph card), its signed media, the
title page's clip section, and deleting one from its page."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import get_identity, request_profile
from mediaserver.errors import NotFound
from mediaserver.http.auth import access
from mediaserver.http.files import bytes_response
from mediaserver.http.forms import read_input
from mediaserver.http.templating import render
from mediaserver.keys import secret_key, storage_key
from mediaserver.social.clips import rules, service

routes = web.RouteTableDef()
SLUG = r"{slug:[A-Za-z0-9_-]{1,32}}"
TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg", "m3u8": "application/vnd.apple.mpegurl",
         "m4s": "video/iso.segment"}  # fmt: skip


def viewer_of(request: web.Request) -> service.Viewer:
    identity = get_identity(request)
    return service.Viewer(identity.profile, bool(identity.user and identity.user.is_admin))


@routes.get(f"/c/{SLUG}", name="clip_page")
@access("public")
async def clip_page(request: web.Request) -> web.Response:
    """The clip's own page; anonymous visitors only for a public clip."""
    viewer = viewer_of(request)
    clip = await service.open_clip(request.app, viewer, request.match_info["slug"])
    base = rules.media_base(request.app[secret_key], clip.slug)
    profile = viewer.profile
    return render(request, "social/clip.html", {
        "clip": clip, "media": base, "origin": str(request.url.origin()),
        "signed_in": profile is not None,
        "may_delete": profile is not None and (profile.id == clip.profile_id or viewer.is_admin),
    })  # fmt: skip


@routes.get(f"/c/{SLUG}/m/{{expires:[0-9]{{1,12}}}}/{{sig:[0-9a-f]{{32}}}}/{{name:.+}}",
            name="clip_media")  # fmt: skip
@access("public")
async def clip_media(request: web.Request) -> web.Response:
    """A clip's file behind its signed URL (for that clip only); the title's rights are checked
    on every request."""
    m = request.match_info
    if not rules.MEDIA_NAMES.fullmatch(m["name"]) or not rules.signature_ok(
        request.app[secret_key], m["slug"], m["expires"], m["sig"]
    ):
        raise NotFound(service.GONE)
    clip = await service.open_media(request.app, m["slug"], m["name"])
    stream = await request.app[storage_key].open_range(f"{clip.storage_prefix}/{m['name']}")
    body = await stream.read_all()
    # Range support: browsers seek in an MP4 by asking for byte ranges.
    return bytes_response(request, body, content_type=TYPES[m["name"].rsplit(".", 1)[-1]],
                          cache_control="private, max-age=3600")  # fmt: skip


@routes.post(f"/c/{SLUG}/delete", name="clip_delete")
@access("profile")
async def clip_delete(request: web.Request) -> web.Response:
    await read_input(request)
    await service.delete(request.app, viewer_of(request), request.match_info["slug"])
    raise web.HTTPSeeOther("/")


@routes.get(r"/titles/{title_id:\d{1,12}}/clips", name="title_clips")
@access("profile")
async def title_clips(request: web.Request) -> web.Response:
    """The title page's clip section (loaded by HTMX)."""
    profile = request_profile(request)
    found = await service.clips_of_title(request.app, profile, int(request.match_info["title_id"]))
    return render(request, "social/_clips.html", {"clips": found})
