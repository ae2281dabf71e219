"""A file's packaged ladder as status information: GET /api/v1/media/{media_file_id}/ladder.

Ladder files are served only through signed media URLs (streaming/media_routes.py,
/media/t/<token>/ladder/...), which POST /api/v1/playback/{id} hands out together with the
playback decision; this description carries no media URLs, so it cannot bypass the token, its
height cap or the active-streams registry.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts.identity import get_identity
from mediaserver.catalog.browse import may_watch_file
from mediaserver.errors import NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key
from mediaserver.packaging import store

routes = web.RouteTableDef()

NO_LADDER = "This title has no packaged version yet."


async def _visible_ladder(request: web.Request, media_file_id: int) -> store.Ladder | None:
    """The file's ladder row, or None when this profile may not see the title (kids cap)."""
    db = request.app[db_key]
    if not await may_watch_file(db, get_identity(request).profile, media_file_id):
        return None
    return await store.get_ladder(db, media_file_id)


def ladder_json(ladder: store.Ladder) -> dict[str, Any]:
    subtitles = [
        {
            "language": s.get("language"),
            "name": s.get("name"),
            "forced": bool(s.get("forced")),
            "default": bool(s.get("default")),
            "burn_in_only": bool(s.get("burn_in_only")),
        }
        for s in ladder.subtitles
    ]
    trick = ladder.trickplay or {}
    return {
        "media_file_id": ladder.media_file_id,
        "status": ladder.status,
        "error": ladder.error,
        "published": ladder.published,
        "published_at": ladder.published_at,
        "duration_seconds": ladder.duration_seconds,
        "encoder": ladder.encoder,
        "rungs": ladder.rungs,
        "audio": ladder.audio,
        "subtitles": subtitles,
        "trickplay": {k: trick[k] for k in ("interval", "tile_width", "tile_height") if k in trick}
        or None,
        "posters": len(ladder.posters),
        "playback": f"/api/v1/playback/{ladder.media_file_id}",
    }


@routes.get("/api/v1/media/{media_file_id}/ladder", name="api_media_ladder")
@access("profile")
async def api_ladder(request: web.Request) -> web.Response:
    ladder = await _visible_ladder(request, int_path(request, "media_file_id"))
    if ladder is None:
        raise NotFound(NO_LADDER)
    return web.json_response(ladder_json(ladder))
