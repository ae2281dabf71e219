"""The player page (/watch/{media_file_id}) and the JSON the player talks to: resume positions,
QoE plays, player preferences and skip markers.

The progress and play-report routes also accept POST with a form body: navigator.sendBeacon
(used when the tab closes) cannot set headers, so its CSRF token travels as the `csrf_token`
form field, which the CSRF middleware already checks like any form's.
"""

from __future__ import annotations

import time

from aiohttp import web

from mediaserver.accounts import current_user_id, request_profile
from mediaserver.catalog import markers, plays, preferences, progress
from mediaserver.catalog.api_models import (
    MarkersBody,
    MarkersOut,
    PlayerPreferencesBody,
    PlayerPreferencesOut,
    PlayReportBody,
    PlayStartBody,
    ProgressBody,
    ProgressOut,
)
from mediaserver.catalog.browse import may_watch_file
from mediaserver.catalog.heartbeats import heartbeats_key, parse_paused, record_heartbeat
from mediaserver.catalog.player import player_page
from mediaserver.catalog.poster_choice import play_started
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.api import api
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
    return request_profile(request).id


async def _watchable(request: web.Request, media_file_id: int | None = None) -> tuple[int, int]:
    """(profile id, media file id) when this profile may play the file; 404 otherwise, so a
    kids profile learns nothing about an adult title it asks for by URL."""
    if media_file_id is None:
        media_file_id = int_path(request, "media_file_id")
    profile = request_profile(request)
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
    found = await player_page(request.app[db_key], profile_id, media_file_id, _start_param(request))
    if found is None:
        raise NotFound(NOT_FOUND)
    return render(
        request,
        "catalog/player.html",
        {"heading": found.heading, "config": found.config},
        headers={"Content-Security-Policy": PLAYER_CSP},
    )


def _optional_id(raw: object, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise BadRequest(f"'{name}' must be an id.", field=name)
    return int(str(raw)[:18])


# ----- resume positions -----


@routes.get("/api/v1/progress/{media_file_id}", name="api_progress")
@access("profile")
@api(response=ProgressOut, other_responses={404: "Not started yet, or no such file."})
async def api_progress(request: web.Request) -> web.Response:
    """This profile's resume position in a media file."""
    profile_id, media_file_id = await _watchable(request)
    found = await progress.get_progress(request.app[db_key], profile_id, media_file_id)
    if found is None:
        raise NotFound("Not started yet.")
    return web.json_response(found.as_json())


@routes.put("/api/v1/progress/{media_file_id}", name="api_progress_save")
@routes.post("/api/v1/progress/{media_file_id}", name="api_progress_beacon")
@access("profile")
@api(body=ProgressBody, response=ProgressOut)
async def api_progress_save(request: web.Request) -> web.Response:
    """Save the position (seconds) reached in a media file; 95% of its duration marks it watched.
    With `play_id` and `paused` it also counts as a heartbeat of that play (analytics).

    POST takes the same fields as a form, for navigator.sendBeacon when the tab closes.
    """
    profile_id, media_file_id = await _watchable(request)
    data = await read_input(request)
    position = progress.seconds_value(data.get("position"), "position")
    duration = progress.seconds_value(data.get("duration"), "duration", required=False)
    assert position is not None  # required
    paused = parse_paused(data.get("paused"))
    saved = await progress.save_progress(
        request.app[db_key], profile_id, media_file_id, position, duration
    )
    play_id = _optional_id(data.get("play_id"), "play_id")
    await record_heartbeat(
        request,
        profile_id=profile_id,
        position=position,
        paused=paused,
        play_id=play_id,
        media_file_id=media_file_id,
    )
    return web.json_response(saved.as_json())


# ----- plays (quality of experience) -----


@routes.post("/api/v1/plays", name="api_plays_start")
@access("profile")
@api(body=PlayStartBody, response=plays.Play, status=201)
async def api_play_start(request: web.Request) -> web.Response:
    """Start a play of a media file (how it plays, and the first QoE report)."""
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
    play = await plays.update_play(request.app[db_key], play_id, profile_id, report)
    await play_started(request.app, profile_id, media_file_id)
    return web.json_response(play.as_json(), status=201)


@routes.get("/api/v1/plays/{play_id}", name="api_play")
@access("profile")
@api(response=plays.Play)
async def api_play(request: web.Request) -> web.Response:
    """One of this profile's plays with its QoE totals."""
    play = await plays.get_play(
        request.app[db_key], int_path(request, "play_id"), await _profile_id(request)
    )
    return web.json_response(play.as_json())


@routes.put("/api/v1/plays/{play_id}", name="api_play_update")
@routes.post("/api/v1/plays/{play_id}", name="api_play_beacon")
@access("profile")
@api(body=PlayReportBody, response=plays.Play)
async def api_play_update(request: web.Request) -> web.Response:
    """Report a play's running QoE totals (they only grow) and its `position` (seconds) and
    `paused` state, a heartbeat; POST for navigator.sendBeacon."""
    play_id = int_path(request, "play_id")
    data = await read_input(request)
    report = plays.parse_report(data)
    profile_id = await _profile_id(request)
    position = progress.seconds_value(data.get("position"), "position", required=False)
    if position is not None:
        paused = parse_paused(data.get("paused"))
        await record_heartbeat(
            request, profile_id=profile_id, position=position, paused=paused, play_id=play_id
        )
    buffer = request.app[heartbeats_key]
    if report == plays.PlayReport() and position is not None:
        # A bare heartbeat changes no totals: no write of its own (it is queued above), and
        # no read either once this process has seen the play (the owner was checked above).
        body = buffer.answer(play_id)
        if body is None:
            body = (await plays.get_play(request.app[db_key], play_id, profile_id)).as_json()
            buffer.remember(play_id, body)
        # What the play will say once the heartbeat is written.
        return web.json_response(body | {"updated_at": max(body["updated_at"], time.time())})
    body = (await plays.update_play(request.app[db_key], play_id, profile_id, report)).as_json()
    buffer.remember(play_id, body)
    return web.json_response(body)


# ----- preferences and markers -----


@routes.get("/api/v1/profile/player-preferences", name="api_player_prefs")
@access("profile")
@api(response=PlayerPreferencesOut)
async def api_preferences(request: web.Request) -> web.Response:
    """This profile's player settings (volume, subtitles, audio language, speed)."""
    prefs = await preferences.get_preferences(request.app[db_key], await _profile_id(request))
    return web.json_response(prefs.as_json())


@routes.put("/api/v1/profile/player-preferences", name="api_player_prefs_save")
@access("profile")
@api(body=PlayerPreferencesBody, response=PlayerPreferencesOut)
async def api_preferences_save(request: web.Request) -> web.Response:
    """Change some player settings; the answer is all of them after the change."""
    changes = preferences.parse_changes(await read_input(request))
    prefs = await preferences.update_preferences(
        request.app[db_key], await _profile_id(request), changes
    )
    return web.json_response(prefs.as_json())


@routes.get("/api/v1/media/{media_file_id}/markers", name="api_markers")
@access("profile")
@api(response=MarkersOut)
async def api_markers(request: web.Request) -> web.Response:
    """A media file's Skip Intro and Skip Credits spans (an admin's, else from chapter names)."""
    _, media_file_id = await _watchable(request)
    found = await markers.get_markers(request.app[db_key], media_file_id)
    return web.json_response(found.as_json())


@routes.put("/api/v1/media/{media_file_id}/markers", name="api_markers_save")
@access("admin")
@api(body=MarkersBody, response=MarkersOut)
async def api_markers_save(request: web.Request) -> web.Response:
    """Set or clear a media file's skip markers.

    Fields intro_start, intro_end, credits_start, credits_end: seconds or a time like 1:23;
    null or empty clears the admin's marker (chapter names apply again).
    """
    media_file_id = int_path(request, "media_file_id")
    db = request.app[db_key]
    await markers.get_markers(db, media_file_id)  # 404 for an unknown file
    await markers.apply_admin_form(db, media_file_id, await read_input(request))
    return web.json_response((await markers.get_markers(db, media_file_id)).as_json())
