"""The player page (/watch/{media_file_id}) and the JSON the player talks to: resume positions,
QoE plays, player preferences and skip markers.

The progress and play-report routes also accept POST with a form body: navigator.sendBeacon
(used when the tab closes) cannot set headers, so its CSRF token travels as the `csrf_token`
form field, which the CSRF middleware already checks like any form's.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts import current_user_id
from mediaserver.catalog import markers, plays, preferences, progress
from mediaserver.catalog.browse import may_watch_file
from mediaserver.catalog.viewer import request_profile, required_profile
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.security_headers import CONTENT_SECURITY_POLICY
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()
# The player page alone may load the Chromecast sender (Chrome only; see player-extras.js).
PLAYER_CSP = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' https://www.gstatic.com"
)
NOT_FOUND = "No such title, or it is not available to this profile."


async def _profile_id(request: web.Request) -> int:
    return required_profile(await request_profile(request)).id


async def _watchable(request: web.Request, media_file_id: int | None = None) -> tuple[int, int]:
    """(profile id, media file id) when this profile may play the file; 404 otherwise, so a
    kids profile learns nothing about an adult title it asks for by URL."""
    if media_file_id is None:
        media_file_id = int_path(request, "media_file_id")
    profile = required_profile(await request_profile(request))
    if not await may_watch_file(request.app[db_key], profile, media_file_id):
        raise NotFound(NOT_FOUND)
    return profile.id, media_file_id


def _start_param(request: web.Request) -> float | None:
    """?t=<seconds>: where to start (t=0: start over); anything unreadable is ignored."""
    raw = request.query.get("t")
    if raw is None:
        return None
    try:
        return progress.seconds_value(raw, "t")
    except Exception:  # a bad link still opens the player, at the saved position
        return None


@routes.get("/watch/{media_file_id}", name="watch")
@access("profile")
async def watch_page(request: web.Request) -> web.Response:
    profile_id, media_file_id = await _watchable(request)
    db = request.app[db_key]
    heading = await progress.file_heading(db, media_file_id)
    if heading is None:
        raise NotFound(NOT_FOUND)
    start = _start_param(request)
    if start is None:
        saved = await progress.get_progress(db, profile_id, media_file_id)
        start = saved.resume_seconds if saved else 0.0
    config: dict[str, Any] = {
        "media_file_id": media_file_id,
        "start": start,
        "preferences": await preferences.get_preferences(db, profile_id),
        "markers": await markers.get_markers(db, media_file_id),
        "next_episode": await progress.next_episode_file(db, media_file_id),
        "back": f"/titles/{heading['title_id']}" if heading["title_id"] else "/",
    }
    return render(
        request,
        "catalog/player.html",
        {"heading": heading, "config": config},
        headers={"Content-Security-Policy": PLAYER_CSP},
    )


# ----- resume positions -----


@routes.get("/api/v1/progress/{media_file_id}", name="api_progress")
@access("profile")
async def api_progress(request: web.Request) -> web.Response:
    profile_id, media_file_id = await _watchable(request)
    found = await progress.get_progress(request.app[db_key], profile_id, media_file_id)
    if found is None:
        raise NotFound("Not started yet.")
    return web.json_response(found.as_json())


@routes.put("/api/v1/progress/{media_file_id}", name="api_progress_save")
@routes.post("/api/v1/progress/{media_file_id}", name="api_progress_beacon")
@access("profile")
async def api_progress_save(request: web.Request) -> web.Response:
    profile_id, media_file_id = await _watchable(request)
    data = await read_input(request)
    position = progress.seconds_value(data.get("position"), "position")
    duration = progress.seconds_value(data.get("duration"), "duration", required=False)
    assert position is not None  # required
    saved = await progress.save_progress(
        request.app[db_key], profile_id, media_file_id, position, duration
    )
    return web.json_response(saved.as_json())


# ----- plays (quality of experience) -----


@routes.post("/api/v1/plays", name="api_plays_start")
@access("profile")
async def api_play_start(request: web.Request) -> web.Response:
    data = await read_input(request)
    raw_id = data.get("media_file_id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or not str(raw_id).isdigit():
        raise BadRequest("'media_file_id' must be the id of a media file.", field="media_file_id")
    profile_id, media_file_id = await _watchable(request, int(str(raw_id)[:18]))
    play_id = await plays.start_play(
        request.app[db_key],
        user_id=current_user_id(request),
        profile_id=profile_id,
        media_file_id=media_file_id,
        method=plays.parse_method(data.get("method")),
        client=request.headers.get("User-Agent"),
    )
    report = plays.parse_report(data)
    body = await plays.update_play(request.app[db_key], play_id, profile_id, report)
    return web.json_response(body, status=201)


@routes.get("/api/v1/plays/{play_id}", name="api_play")
@access("profile")
async def api_play(request: web.Request) -> web.Response:
    play = await plays.get_play(
        request.app[db_key], int_path(request, "play_id"), await _profile_id(request)
    )
    return web.json_response(play)


@routes.put("/api/v1/plays/{play_id}", name="api_play_update")
@routes.post("/api/v1/plays/{play_id}", name="api_play_beacon")
@access("profile")
async def api_play_update(request: web.Request) -> web.Response:
    play_id = int_path(request, "play_id")
    report = plays.parse_report(await read_input(request))
    play = await plays.update_play(request.app[db_key], play_id, await _profile_id(request), report)
    return web.json_response(play)


# ----- preferences and markers -----


@routes.get("/api/v1/profile/player-preferences", name="api_player_prefs")
@access("profile")
async def api_preferences(request: web.Request) -> web.Response:
    prefs = await preferences.get_preferences(request.app[db_key], await _profile_id(request))
    return web.json_response(prefs)


@routes.put("/api/v1/profile/player-preferences", name="api_player_prefs_save")
@access("profile")
async def api_preferences_save(request: web.Request) -> web.Response:
    changes = preferences.parse_changes(await read_input(request))
    prefs = await preferences.update_preferences(
        request.app[db_key], await _profile_id(request), changes
    )
    return web.json_response(prefs)


@routes.get("/api/v1/media/{media_file_id}/markers", name="api_markers")
@access("profile")
async def api_markers(request: web.Request) -> web.Response:
    _, media_file_id = await _watchable(request)
    return web.json_response(await markers.get_markers(request.app[db_key], media_file_id))


@routes.put("/api/v1/media/{media_file_id}/markers", name="api_markers_save")
@access("admin")
async def api_markers_save(request: web.Request) -> web.Response:
    """Admin: {"intro_start", "intro_end", "credits_start", "credits_end"} (null clears)."""
    media_file_id = int_path(request, "media_file_id")
    db = request.app[db_key]
    await markers.get_markers(db, media_file_id)  # 404 for an unknown file
    await markers.apply_admin_form(db, media_file_id, await read_input(request))
    return web.json_response(await markers.get_markers(db, media_file_id))
