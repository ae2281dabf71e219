"""Answering a download URL of a title without a published ladder: its MP4 made from the source
file (see source_mp4), streamed as it is made (growing) with Range and ETag; 202 with
Retry-After while its encode waits for a free slot (offline.max_source_encodes), so no request
is held in the queue for the minutes other encodes can take."""

from __future__ import annotations

import html
import json

from aiohttp import web

from mediaserver.errors import Forbidden, NotFound
from mediaserver.keys import db_key
from mediaserver.offline import store
from mediaserver.offline.growing import MakingFailed, send_growing
from mediaserver.offline.keys import source_maker_key
from mediaserver.offline.records import Download
from mediaserver.offline.rights import refusal
from mediaserver.offline.source_maker import Queued
from mediaserver.offline.source_offer import source_plan

RETRY_SECONDS = 5


def queued_message(place: Queued) -> str:
    ahead = "is" if place.ahead_encoding == 1 else "are"
    return (
        f"This download is queued ({_ordinal(place.position)} in line): it is made from the "
        f"title's file, and {place.ahead_encoding} other download{'s' * (ahead == 'are')} "
        f"{ahead} being made now. It starts by itself when its turn comes; try again in a "
        "few seconds."
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def queued(request: web.Request, download: Download, place: Queued) -> web.Response:
    """202: the MP4 waits for an encode slot; a page that reloads itself, or JSON."""
    message = queued_message(place)
    headers = {"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"}
    if "text/html" in request.headers.get("Accept", ""):
        title = html.escape(download.title)
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            f'<meta http-equiv=refresh content="{RETRY_SECONDS}">'
            f"<title>Preparing {title}</title><main style='font-family:sans-serif;margin:3em'>"
            f"<h1>Queued: {title} ({download.height}p)</h1><p>{html.escape(message)}</p>"
            "<p><a href='/downloads'>Downloads</a></p></main></html>"
        )
        return web.Response(status=202, text=body, content_type="text/html", headers=headers)
    body = {
        "status": "queued",
        "position": place.position,
        "message": message,
        "retry_after": RETRY_SECONDS,
    }
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
        found = app[source_maker_key].lookup(plan)
        if isinstance(found, Queued):
            return queued(request, download, found)
        response = await send_growing(request, found, headers)
    except (RuntimeError, MakingFailed) as error:
        raise NotFound(f"This download could not be made from the title's file: {error}") from None
    if found.size is not None and download.size != found.size:
        await store.update(app[db_key], download.id, size=found.size)
    return response
