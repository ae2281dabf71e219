"""The download URL: GET/HEAD /offline/file/<signed token>/<name>.mp4.

The token (no cookie is read) names the download and expires; the download's row and the
rights behind it are checked on every request, so an old URL of a user whose plan, profile or
title changed is refused (403, or 404 where the title is no longer theirs to see). The MP4 is
laid out from the ladder and streamed as it is read, moov first; Range gives the same bytes.
A title without a ladder gets its MP4 made from the source file (source_serving).
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

from aiohttp import web

from mediaserver.errors import Forbidden, NotFound
from mediaserver.http.auth import access
from mediaserver.keys import db_key, secret_key, storage_key
from mediaserver.offline import store, url_tokens
from mediaserver.offline.keys import layouts_key
from mediaserver.offline.mp4_write import Layout
from mediaserver.offline.plan import LadderUnreadable, Rendition
from mediaserver.offline.records import Download
from mediaserver.offline.rights import Refusal, refusal
from mediaserver.offline.service import file_name, has_ladder, published_ladder
from mediaserver.offline.source_serving import send_source_mp4
from mediaserver.offline.stream import send_layout
from mediaserver.packaging import Ladder

routes = web.RouteTableDef()
FILE_PATH = f"/offline/file/{{token:{url_tokens.TOKEN_PATTERN}}}/{{name:[A-Za-z0-9._-]{{1,120}}}}"
EXPIRED = "This download URL has expired; get a new one from the Downloads page."
NO_SUCH = "No such download."


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')


def attachment(name: str) -> str:
    """A Content-Disposition naming the file: an ASCII fallback and the UTF-8 name."""
    plain = _UNSAFE.sub("_", name).encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _rendition(ladder: Ladder, download: Download) -> Rendition:
    audio = next((a for a in ladder.audio if a.name == download.audio), None)
    subs = tuple(
        (s.key, s.language) for s in ladder.subtitles if s.key and s.name in download.subtitles
    )
    return Rendition(
        ladder.storage_prefix or "", download.rung, audio.name if audio else None,
        audio.language if audio else None, subs,
    )  # fmt: skip


def _retrieved(task: asyncio.Future[Layout]) -> None:
    if not task.cancelled():
        task.exception()  # a refused request does not wait for the layout: nobody else would


async def checked_layout(app: web.Application, download: Download) -> tuple[Rendition, Layout]:
    """The download's layout, once its rights hold (403/404 otherwise). The layout is read
    while the rights are asked (both wait on I/O); no byte goes out before both are known."""
    if download.revoked_at is not None or download.user_disabled:
        raise Forbidden((await refusal(app, download) or Refusal(403, NO_SUCH)).reason)
    ladder = await published_ladder(app, download.media_file_id)
    rendition = _rendition(ladder, download)
    building = asyncio.ensure_future(app[layouts_key].get(app[storage_key], rendition))
    building.add_done_callback(_retrieved)
    refused = await refusal(app, download)
    if refused is not None:
        raise (NotFound if refused.status == 404 else Forbidden)(refused.reason)
    try:
        return rendition, await building
    except LadderUnreadable:
        raise NotFound("This title's packaged files are not available.") from None


@routes.get(FILE_PATH, name="offline_file")
@access("token")  # the signed URL is the credential
async def offline_file(request: web.Request) -> web.StreamResponse:
    app = request.app
    try:
        download_id, fresh = url_tokens.verify(app[secret_key], request.match_info["token"])
    except ValueError:
        raise NotFound(NO_SUCH) from None
    if not fresh:
        raise Forbidden(EXPIRED)
    download = await store.get(app[db_key], download_id)
    if download is None or request.match_info["name"] != file_name(download):
        raise NotFound(NO_SUCH)
    headers = {
        "Content-Type": "video/mp4",
        "Cache-Control": "private, no-transform",
        "Content-Disposition": attachment(download.title + f" {download.height}p.mp4"),
    }
    if not await has_ladder(app, download.media_file_id, download.rung):
        return await send_source_mp4(request, download, headers)
    rendition, layout = await checked_layout(app, download)
    if download.size != layout.size:
        await store.update(app[db_key], download.id, size=layout.size)
    return await send_layout(request, app[storage_key], layout, rendition.etag, headers)
