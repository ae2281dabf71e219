"""The playback API: POST /api/v1/playback/{media_file_id} decides how a title plays.

It checks that the profile may watch the title (kids cap), decides (see decision.py), issues a
signed media token bound to the user, profile, file, height cap and play id, registers the play
with the active-streams registry, and answers with the URL to play and everything a player
menu needs (rungs, audio tracks, subtitles with signed .vtt URLs, trickplay, chapters, poster).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profiles import Profile, list_profiles
from mediaserver.catalog.browse import may_watch_file
from mediaserver.errors import BadRequest, Forbidden, NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import active_streams_key, config_key, db_key, secret_key
from mediaserver.media.languages import display_name
from mediaserver.packaging import store as ladder_store
from mediaserver.streaming import tokens
from mediaserver.streaming.active import ActiveStreams
from mediaserver.streaming.decision import (
    AudioInfo,
    Decision,
    decide,
    direct_mime,
    direct_url,
    live_master_url,
)
from mediaserver.streaming.live_playlists import REMUX_RUNG, transcode_plans
from mediaserver.streaming.live_store import VideoGeometry
from mediaserver.streaming.media_routes import setup_media_accounting, setup_media_caches
from mediaserver.streaming.playback_request import parse_request
from mediaserver.streaming.serving import PLAYLIST, setup_media_cors
from mediaserver.streaming.store import PlayableFile, load_playable

routes = web.RouteTableDef()

NOT_FOUND = "No such title."


def setup_streaming(app: web.Application) -> None:
    """The registry, caches and response signals; call from create_app before it freezes."""
    registry = ActiveStreams()
    app[active_streams_key] = registry
    setup_media_caches(app)
    setup_media_cors(app)
    setup_media_accounting(app)

    async def close(app: web.Application) -> None:
        await registry.close()

    app.on_cleanup.append(close)


async def _profile(request: web.Request) -> Profile:
    """The chosen profile; an API key plays as its user's first profile."""
    identity = get_identity(request)
    if identity.profile is not None:
        return identity.profile
    assert identity.user is not None  # access("profile") guarantees a user
    found = await list_profiles(request.app[db_key], identity.user.id)
    if not found:
        raise Forbidden("This account has no profile to play with; create one first.")
    return found[0]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    return await read_input(request)


def _chosen_audio(file: PlayableFile, index: int | None) -> AudioInfo | None:
    tracks = file.source.audio
    if index is None:
        return next((a for a in tracks if a.default), tracks[0] if tracks else None)
    found = next((a for a in tracks if a.index == index), None)
    if found is None:
        choices = ", ".join(str(a.index) for a in tracks) or "none"
        raise BadRequest(
            f"'audio' must be one of this file's audio streams ({choices}).", field="audio"
        )
    return found


def _burn_stream(file: PlayableFile, track_id: int | None) -> int | None:
    if track_id is None:
        return None
    track = next((t for t in file.subtitles if t.id == track_id), None)
    if track is None:
        raise BadRequest(
            "'subtitle_burn' is not a subtitle track of this file.", field="subtitle_burn"
        )
    if not track.bitmap:
        raise BadRequest(
            "Text subtitles are shown by the player; only picture subtitles are burned in.",
            field="subtitle_burn",
        )
    if track.source != "embedded" or track.stream_index is None:
        raise BadRequest(
            "Only picture subtitles inside the file can be burned in.", field="subtitle_burn"
        )
    return track.stream_index


def _rungs(
    decision: Decision,
    file: PlayableFile,
    ladder: ladder_store.Ladder | None,
    cap: int,
    preset: str,
) -> list[dict[str, Any]]:
    """What the quality menu offers, capped: the ladder's rungs, the source as it is (direct,
    remux), or the rungs the live transcoder makes (its own plan, so the names match)."""
    if decision.method == "ladder" and ladder is not None:
        rungs = [
            {
                "name": r.get("name"),
                "width": r.get("width"),
                "height": r.get("height"),
                "bandwidth": r.get("bandwidth"),
            }
            for r in ladder.rungs
        ]
        return [r for r in rungs if not cap or (r["height"] or 0) <= cap]
    video = file.source.video
    if video is None or not video.width or not video.height:
        return []
    if decision.method in ("direct", "remux"):
        name = "original" if decision.method == "direct" else REMUX_RUNG
        size = {"width": video.width, "height": video.height}
        return [{"name": name, **size, "bandwidth": file.source.bitrate}]
    geometry = VideoGeometry(
        index=video.index,
        codec=video.codec,
        profile=video.profile,
        level=None,
        width=video.width,
        height=video.height,
        sample_aspect=file.sample_aspect,
        rotation=file.rotation,
        frame_rate=file.frame_rate,
        bitrate=file.source.bitrate,
    )
    return [
        {"name": p.name, "width": p.width, "height": p.height, "bandwidth": p.maxrate}
        for p in transcode_plans(geometry, preset, cap)
    ]


def _audio_json(file: PlayableFile, ladder: ladder_store.Ladder | None) -> list[dict[str, Any]]:
    if ladder is not None:
        seen: dict[int, dict[str, Any]] = {}
        for a in ladder.audio:
            index = a.get("source_index")
            if index in seen:
                seen[index]["channels"] = max(seen[index]["channels"] or 0, a.get("channels") or 0)
                continue
            seen[index] = {
                "index": index,
                "language": a.get("language"),
                "name": a.get("title") or display_name(a.get("language")),
                "channels": a.get("channels"),
                "default": bool(a.get("default")),
            }
        return list(seen.values())
    return [
        {
            "index": a.index,
            "language": a.language,
            "name": a.title or display_name(a.language),
            "channels": a.channels,
            "default": a.default,
        }
        for a in file.source.audio
    ]


def _subtitles_json(file: PlayableFile, token: str) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "language": t.language,
            "name": display_name(t.language)
            + (" (forced)" if t.forced else "")
            + (" (SDH)" if t.sdh else ""),
            "forced": t.forced,
            "default": t.default,
            "burn_in_only": t.bitmap,
            "url": None if t.bitmap else f"/media/t/{token}/subs/{t.id}.vtt",
        }
        for t in file.subtitles
    ]


def _ladder_url(token: str, ladder: ladder_store.Ladder, key: str | None) -> str | None:
    prefix = (ladder.storage_prefix or "") + "/"
    if not key or not ladder.storage_prefix or not key.startswith(prefix):
        return None
    return f"/media/t/{token}/ladder/{key.removeprefix(prefix)}"


@routes.post("/api/v1/playback/{media_file_id}", name="api_playback")
@access("profile")
async def playback(request: web.Request) -> web.Response:
    media_file_id = int_path(request, "media_file_id")
    wanted = parse_request(await _body(request))
    db, settings = request.app[db_key], request.app[config_key]
    identity = get_identity(request)
    profile = await _profile(request)
    if not await may_watch_file(db, profile, media_file_id):
        raise NotFound(NOT_FOUND)
    file = await load_playable(db, media_file_id)
    if file is None:
        raise NotFound("This title's file is not available.")
    ladder = await ladder_store.get_ladder(db, media_file_id)
    if ladder is not None and not ladder.published:
        ladder = None
    if ladder is None and file.source.video is None and not file.source.audio:
        raise NotFound("This file has no video or audio to play.")
    audio = _chosen_audio(file, wanted.audio)
    burn = _burn_stream(file, wanted.subtitle_burn)
    # The lower of what the client asks for and the admin's cap; 0 on both sides: no cap.
    cap = min((h for h in (wanted.max_height, settings.streaming.max_height) if h), default=0)
    decision = decide(
        file.source,
        wanted,
        ladder=ladder is not None,
        max_height=cap,
        audio=audio,
        burn=burn is not None,
    )
    assert identity.user is not None
    token, grant = tokens.issue(
        request.app[secret_key],
        user_id=identity.user.id,
        profile_id=profile.id,
        media_file_id=media_file_id,
        max_height=cap,
        ttl_seconds=settings.streaming.token_ttl_seconds,
    )
    used_ladder = ladder if decision.method == "ladder" else None
    if used_ladder is not None:
        url, kind, mime = f"/media/t/{token}/ladder/master.m3u8", "hls", PLAYLIST
    elif decision.method == "direct":
        url, kind = direct_url(token, media_file_id, file.source.extension), "file"
        mime = direct_mime(file.source)
    else:
        url = live_master_url(token, decision.method, audio.index if audio else None, burn)
        kind, mime = "hls", PLAYLIST
    rungs = _rungs(decision, file, used_ladder, cap, settings.streaming.live_preset)
    request.app[active_streams_key].register(
        grant,
        method=decision.method,
        reason=decision.reason,
        client=request.headers.get("User-Agent", ""),
        title=file.title,
        rung=rungs[0]["name"] if len(rungs) == 1 else None,
        user_name=identity.user.username,
        profile_name=profile.name,
        start_seconds=wanted.start,
    )
    trick = (ladder.trickplay or {}) if ladder is not None else {}
    trick_vtt = _ladder_url(token, ladder, trick.get("vtt")) if ladder is not None else None
    return web.json_response(
        {
            "play_id": grant.play_id,
            "media_file_id": media_file_id,
            "title": file.title,
            "duration_seconds": file.duration_seconds
            or (ladder.duration_seconds if ladder else None),
            "method": decision.method,
            "reason": decision.reason,
            "url": url,
            "type": kind,
            "mime": mime,
            "expires_at": grant.expires_at,
            "rungs": rungs,
            "audio": _audio_json(file, used_ladder),
            "subtitles": _subtitles_json(file, token),
            "trickplay": {
                "vtt": trick_vtt,
                **{k: trick[k] for k in ("interval", "tile_width", "tile_height") if k in trick},
            }
            if trick_vtt
            else None,
            "chapters": [{"title": c.title, "start": c.start, "end": c.end} for c in file.chapters],
            "poster": _ladder_url(token, ladder, ladder.poster_key) if ladder else None,
        }
    )
