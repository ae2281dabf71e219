"""A file's packaged ladder as status information: GET /api/v1/media/{media_file_id}/ladder.

Ladder files are served only through signed media URLs (streaming/media_routes.py,
/media/t/<token>/ladder/...), which POST /api/v1/playback/{id} hands out together with the
playback decision; this description carries no media URLs, so it cannot bypass the token, its
height cap or the active-streams registry.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.catalog import may_watch_file
from mediaserver.errors import NotFound
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key
from mediaserver.packaging.api_models import LadderOut
from mediaserver.packaging.records import Ladder
from mediaserver.packaging.store import get_ladder

routes = web.RouteTableDef()

NO_LADDER = "This title has no packaged version yet."


async def _visible_ladder(request: web.Request, media_file_id: int) -> Ladder | None:
    """The file's ladder row, or None when this profile may not see the title (kids cap)."""
    db = request.app[db_key]
    if not await may_watch_file(db, request_profile(request, required=False), media_file_id):
        return None
    return await get_ladder(db, media_file_id)


@routes.get("/api/v1/media/{media_file_id}/ladder", name="api_media_ladder")
@access("profile")
@api(response=LadderOut)
async def api_ladder(request: web.Request) -> web.Response:
    """Describe a file's packaged ladder: its status, rungs, audio, subtitles and trickplay.

    It carries no media URLs: those come with a playback decision."""
    ladder = await _visible_ladder(request, int_path(request, "media_file_id"))
    if ladder is None:
        raise NotFound(NO_LADDER)
    return json_model(LadderOut.of(ladder))
