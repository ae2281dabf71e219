"""Downloading an original: GET /download/{media_file_id} hands the file out as an attachment.

Only for a profile that may watch the title, on an account an admin lets download
(`accounts.may_download`) and whose quality cap the original is within (a cap set for the
account would mean little if the full-size file could be taken away instead).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from aiohttp import web

from mediaserver.accounts import effective_limits, get_identity, request_profile
from mediaserver.catalog import may_watch_file
from mediaserver.errors import Forbidden, NotFound
from mediaserver.http.auth import access
from mediaserver.http.files import send_file
from mediaserver.keys import config_key, db_key
from mediaserver.streaming.direct import original_path
from mediaserver.streaming.store import PlayableFile, load_playable

routes = web.RouteTableDef()

NO_DOWNLOADS = "Downloads are turned off for this account; ask an administrator."
TOO_BIG = "This file is above the highest quality this account may play, so it can't be downloaded."
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')


def attachment(name: str) -> str:
    """A Content-Disposition naming the file: an ASCII fallback and the UTF-8 name."""
    plain = _UNSAFE.sub("_", name).encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _downloadable(request: web.Request, media_file_id: int) -> PlayableFile:
    app = request.app
    identity = get_identity(request)
    if not await may_watch_file(app[db_key], request_profile(request), media_file_id):
        raise NotFound("No such title.")
    assert identity.user is not None
    limits = await effective_limits(app, identity.user.id)
    if not limits.may_download:
        hint = limits.upgrade_hint  # a plan without downloads says where to get them
        raise Forbidden(
            f"Downloads are not part of this account's plan. {hint}" if hint else NO_DOWNLOADS
        )
    file = await load_playable(app[db_key], media_file_id, app[config_key].paths.data_dir)
    if file is None:
        raise NotFound("This title's file is not available.")
    video = file.source.video
    if limits.max_height and video is not None and video.height > limits.max_height:
        raise Forbidden(TOO_BIG)
    return file


@routes.get("/download/{media_file_id:[1-9][0-9]{0,17}}", name="download_original")
@access("profile")
async def download(request: web.Request) -> web.StreamResponse:
    file = await _downloadable(request, int(request.match_info["media_file_id"]))
    path = await original_path(file)
    response = await send_file(
        request, path, "application/octet-stream", "private, no-store", in_thread=True
    )
    name = os.path.basename(file.path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    response.headers["Content-Disposition"] = attachment(name)
    return response
