"""Answering a download URL of a title without a published ladder: its MP4 made from the source
file (see source_mp4), sent with Range and ETag once made, and 202 with Retry-After while it is
being made, so no request is held for the minutes an encode can take."""

from __future__ import annotations

import html
import json

from aiohttp import web

from mediaserver.errors import Forbidden, NotFound
from mediaserver.http.files import send_file
from mediaserver.keys import db_key
from mediaserver.offline import store
from mediaserver.offline.keys import source_maker_key
from mediaserver.offline.records import Download
from mediaserver.offline.rights import refusal
from mediaserver.offline.source_offer import source_plan

RETRY_SECONDS = 5
MAKING = (
    "This download is being made from the title's file; it starts by itself when it is ready. "
    "Try again in a few seconds."
)


def making(request: web.Request, download: Download) -> web.Response:
    """202: the MP4 is not made yet; a page that reloads itself, or JSON for a script."""
    headers = {"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"}
    if "text/html" in request.headers.get("Accept", ""):
        title = html.escape(download.title)
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            f'<meta http-equiv=refresh content="{RETRY_SECONDS}">'
            f"<title>Preparing {title}</title><main style='font-family:sans-serif;margin:3em'>"
            f"<h1>Preparing {title} ({download.height}p)</h1><p>{html.escape(MAKING)}</p>"
            "<p><a href='/downloads'>Downloads</a></p></main></html>"
        )
        return web.Response(status=202, text=body, content_type="text/html", headers=headers)
    body = {"status": "making", "message": MAKING, "retry_after": RETRY_SECONDS}
    return web.Response(
        status=202, text=json.dumps(body), content_type="application/json", headers=headers
    )


async def send_source_mp4(
    request: web.Request, download: Download, headers: dict[str, str]
) -> web.StreamResponse:
    """The download's MP4 made from the source, once its rights hold (403/404 otherwise)."""
    app = request.app
    refused = await refusal(app, download)
    if refused is not None:
        raise (NotFound if refused.status == 404 else Forbidden)(refused.reason)
    plan = await source_plan(app, download)
    try:
        path = app[source_maker_key].ready(plan)
    except RuntimeError as error:
        raise NotFound(f"This download could not be made from the title's file: {error}") from None
    if path is None:
        return making(request, download)
    response = await send_file(request, path, "video/mp4", headers["Cache-Control"])
    response.headers["Content-Disposition"] = headers["Content-Disposition"]
    size = path.stat().st_size
    if download.size != size:
        await store.update(app[db_key], download.id, size=size)
    return response
