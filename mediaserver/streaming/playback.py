"""The playback use case: how one title plays for one profile, and what the player gets.

It checks that the profile may watch the title (kids cap), decides (see decision.py), issues a
signed media token bound to the user, profile, file, height cap, play id and the rights
generations read before the check (rights.py), registers the play
with the active-streams registry, and answers with the URL to play and everything a player
menu needs (rungs, audio tracks, subtitles with signed .vtt URLs, trickplay, chapters, poster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from mediaserver.accounts import Identity, Profile, acting_profile, effective_limits
from mediaserver.catalog import may_watch_file
from mediaserver.config import StreamingSettings
from mediaserver.errors import BadRequest, Forbidden, NotFound
from mediaserver.keys import config_key, db_key, secret_key
from mediaserver.packaging import Ladder, get_ladder
from mediaserver.streaming import tokens
from mediaserver.streaming.decision import (
    AudioInfo,
    Decision,
    decide,
    direct_mime,
    direct_url,
    live_master_url,
)
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.methods import PlaybackMethod
from mediaserver.streaming.playback_menus import (
    OfferAudio,
    OfferRung,
    OfferSubtitle,
    OfferTrickplay,
    audio_menu,
    ladder_url,
    rung_menu,
    subtitle_menu,
    trickplay_menu,
)
from mediaserver.streaming.playback_request import PlaybackRequest
from mediaserver.streaming.rights import current_generations, rights_key
from mediaserver.streaming.serving import PLAYLIST
from mediaserver.streaming.store import Chapter, PlayableFile, load_playable
from mediaserver.streaming.stream_limits import check_stream_limit, device_key

NOT_FOUND = "No such title."
PlayType = Literal["hls", "file"]


@dataclass(frozen=True, slots=True)
class PlaybackOffer:
    """What POST /api/v1/playback/{id} answers."""

    play_id: str
    media_file_id: int
    title: str
    duration_seconds: float | None
    method: PlaybackMethod
    reason: str
    url: str
    type: PlayType
    mime: str
    expires_at: int
    rungs: list[OfferRung]
    audio: list[OfferAudio]
    subtitles: list[OfferSubtitle]
    trickplay: OfferTrickplay | None
    chapters: list[Chapter]
    poster: str | None


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    type: PlayType
    mime: str


async def playing_profile(app: web.Application, identity: Identity) -> Profile:
    """The profile the caller acts as, as every profile route sees it: the browser's chosen
    profile, or the one an API key names in X-Profile-Id (400 when it names none)."""
    return acting_profile(identity)


async def _sources(app: web.Application, media_file_id: int) -> tuple[PlayableFile, Ladder | None]:
    """The playable file and its published ladder (None when it has none)."""
    db = app[db_key]
    file = await load_playable(db, media_file_id, app[config_key].paths.data_dir)
    if file is None:
        raise NotFound("This title's file is not available.")
    ladder = await get_ladder(db, media_file_id)
    if ladder is not None and not ladder.published:
        ladder = None
    if ladder is None and file.source.video is None and not file.source.audio:
        raise NotFound("This file has no video or audio to play.")
    return file, ladder


def chosen_audio(file: PlayableFile, index: int | None) -> AudioInfo | None:
    """The audio track asked for (400 when the file has no such stream), else the default."""
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


def burn_stream(file: PlayableFile, track_id: int | None) -> int | None:
    """The stream index of the picture subtitle track to burn in (400 when it cannot be)."""
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


def _target(
    decision: Decision, file: PlayableFile, token: str, audio: int | None, burn: int | None
) -> _Target:
    if decision.method == "ladder":
        return _Target(f"/media/t/{token}/ladder/master.m3u8", "hls", PLAYLIST)
    if decision.method == "direct":
        url = direct_url(token, file.media_file_id, file.source.extension)
        return _Target(url, "file", direct_mime(file.source))
    return _Target(live_master_url(token, decision.method, audio, burn), "hls", PLAYLIST)


async def start_playback(
    app: web.Application,
    identity: Identity,
    media_file_id: int,
    wanted: PlaybackRequest,
    client: str,
) -> PlaybackOffer:
    """Decide how the file plays for the caller's profile, issue its token, register the play."""
    settings = app[config_key].streaming
    profile = await playing_profile(app, identity)
    assert identity.user is not None
    generations = await current_generations(app, identity.user.id, profile.id, media_file_id)
    if not await may_watch_file(app[db_key], profile, media_file_id):
        raise NotFound(NOT_FOUND)
    limits = await effective_limits(app, identity.user.id)
    check_stream_limit(app[active_streams_key], identity, limits.max_streams)
    file, ladder = await _sources(app, media_file_id)
    audio = chosen_audio(file, wanted.audio)
    burn = burn_stream(file, wanted.subtitle_burn)
    # The lowest of what the client asks for, the server's cap and the account's; 0: no cap.
    asked = (wanted.max_height, settings.max_height, limits.max_height)
    cap = min((h for h in asked if h), default=0)
    decision = decide(
        file.source,
        wanted,
        ladder=ladder is not None,
        max_height=cap,
        audio=audio,
        burn=burn is not None,
    )
    token, grant = tokens.issue(
        app[secret_key],
        user_id=identity.user.id,
        profile_id=profile.id,
        media_file_id=media_file_id,
        max_height=cap,
        ttl_seconds=settings.token_ttl_seconds,
        generations=generations,
    )
    app[rights_key].learn(grant)
    used_ladder = ladder if decision.method == "ladder" else None
    target = _target(decision, file, token, audio.index if audio else None, burn)
    rungs = rung_menu(decision.method, file, used_ladder, cap, settings.live_preset)
    app[active_streams_key].register(
        grant,
        method=decision.method,
        reason=decision.reason,
        client=client,
        title=file.title,
        rung=rungs[0].name if len(rungs) == 1 else None,
        user_name=identity.user.username,
        profile_name=profile.name,
        start_seconds=wanted.start,
        device_key=device_key(identity),
    )
    return PlaybackOffer(
        play_id=grant.play_id,
        media_file_id=media_file_id,
        title=file.title,
        duration_seconds=file.duration_seconds or (ladder.duration_seconds if ladder else None),
        method=decision.method,
        reason=decision.reason,
        url=target.url,
        type=target.type,
        mime=target.mime,
        expires_at=grant.expires_at,
        rungs=rungs,
        audio=audio_menu(file, used_ladder),
        subtitles=subtitle_menu(file, token),
        trickplay=trickplay_menu(token, ladder),
        chapters=list(file.chapters),
        poster=ladder_url(token, ladder, ladder.poster_key) if ladder else None,
    )


@dataclass(frozen=True, slots=True)
class RenewedToken:
    """What POST /api/v1/playback/{id}/renew answers: the play's next token."""

    play_id: str
    media_file_id: int
    token: str
    expires_at: int


def _lifetime(settings: StreamingSettings, duration: float | None, for_device: bool) -> float:
    """How long a renewed token works: a device that cannot renew it gets the title's length
    more, within device_token_ttl_seconds."""
    if not for_device:
        return settings.token_ttl_seconds
    wanted = settings.token_ttl_seconds + (duration or 0)
    return max(settings.token_ttl_seconds, min(wanted, settings.device_token_ttl_seconds))


async def renew_playback(
    app: web.Application,
    identity: Identity,
    media_file_id: int,
    token: str,
    *,
    for_device: bool = False,
) -> RenewedToken:
    """A fresh token for a play that is still allowed: same play id, file and height cap, new
    expiry and current rights generations, so the player swaps it into the URLs it already
    has and plays on. The old token must be genuine and unexpired (401), for this file (403)
    and issued to the caller's profile (403); the rights are checked again as at the start
    (404 when the profile may no longer watch the title or the file is gone)."""
    old = tokens.verify(app[secret_key], token, media_file_id)
    profile = await playing_profile(app, identity)
    assert identity.user is not None
    if (old.user_id, old.profile_id) != (identity.user.id, profile.id):
        raise Forbidden("This media token belongs to another profile; start playback again.")
    registry = app[active_streams_key]
    if registry.is_stopped(old.play_id):
        raise Forbidden("An administrator stopped this stream.")
    generations = await current_generations(app, identity.user.id, profile.id, media_file_id)
    if not await may_watch_file(app[db_key], profile, media_file_id):
        raise NotFound(NOT_FOUND)
    file, ladder = await _sources(app, media_file_id)  # 404 once the file is gone
    settings = app[config_key].streaming
    duration = file.duration_seconds or (ladder.duration_seconds if ladder else None)
    limits = await effective_limits(app, identity.user.id)
    asked = (old.max_height, settings.max_height, limits.max_height)
    cap = min((h for h in asked if h), default=0)
    new, grant = tokens.issue(
        app[secret_key],
        user_id=old.user_id,
        profile_id=old.profile_id,
        media_file_id=media_file_id,
        max_height=cap,
        ttl_seconds=_lifetime(settings, duration, for_device),
        play_id=old.play_id,
        generations=generations,
    )
    app[rights_key].learn(grant)
    registry.renew(grant)
    return RenewedToken(grant.play_id, media_file_id, new, grant.expires_at)
