"""What a player's menus offer with a playback answer: qualities, audio tracks, subtitles with
signed .vtt URLs, and trickplay thumbnails."""

from __future__ import annotations

from dataclasses import dataclass

from mediaserver.media.languages import display_name
from mediaserver.packaging import Ladder
from mediaserver.streaming.live_playlists import REMUX_RUNG, transcode_plans
from mediaserver.streaming.methods import PlaybackMethod
from mediaserver.streaming.store import PlayableFile


@dataclass(frozen=True, slots=True)
class OfferRung:
    name: str
    width: int | None
    height: int | None
    bandwidth: int | None


@dataclass(slots=True)
class OfferAudio:
    index: int
    language: str | None
    name: str
    channels: int | None
    default: bool


@dataclass(frozen=True, slots=True)
class OfferSubtitle:
    id: int
    language: str | None
    name: str
    forced: bool
    default: bool
    burn_in_only: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class OfferTrickplay:
    vtt: str
    interval: float
    tile_width: int
    tile_height: int


def rung_menu(
    method: PlaybackMethod, file: PlayableFile, ladder: Ladder | None, cap: int, preset: str
) -> list[OfferRung]:
    """What the quality menu offers, capped: the ladder's rungs, the source as it is (direct,
    remux), or the rungs the live transcoder makes (its own plan, so the names match)."""
    if method == "ladder" and ladder is not None:
        rungs = [OfferRung(r.name, r.width, r.height, r.bandwidth) for r in ladder.rungs]
        return [r for r in rungs if not cap or (r.height or 0) <= cap]
    video = file.source.video
    if video is None or not video.width or not video.height:
        return []
    if method in ("direct", "remux"):
        name = "original" if method == "direct" else REMUX_RUNG
        return [OfferRung(name, video.width, video.height, file.source.bitrate)]
    return [
        OfferRung(p.name, p.width, p.height, p.maxrate) for p in transcode_plans(video, preset, cap)
    ]


def audio_menu(file: PlayableFile, ladder: Ladder | None) -> list[OfferAudio]:
    """The audio tracks: the ladder's renditions (one per source stream, the most channels of
    its renditions), or the file's streams."""
    if ladder is not None:
        seen: dict[int, OfferAudio] = {}
        for a in ladder.audio:
            index = a.source_index
            if index in seen:
                seen[index].channels = max(seen[index].channels or 0, a.channels or 0)
                continue
            name = a.title or display_name(a.language)
            seen[index] = OfferAudio(index, a.language, name, a.channels, bool(a.default))
        return list(seen.values())
    return [
        OfferAudio(a.index, a.language, a.title or display_name(a.language), a.channels, a.default)
        for a in file.source.audio
    ]


def subtitle_menu(file: PlayableFile, token: str) -> list[OfferSubtitle]:
    return [
        OfferSubtitle(
            id=t.id,
            language=t.language,
            name=display_name(t.language)
            + (" (forced)" if t.forced else "")
            + (" (SDH)" if t.sdh else ""),
            forced=t.forced,
            default=t.default,
            burn_in_only=t.bitmap,
            url=None if t.bitmap else f"/media/t/{token}/subs/{t.id}.vtt",
        )
        for t in file.subtitles
    ]


def ladder_url(token: str, ladder: Ladder, key: str | None) -> str | None:
    """The signed media URL of a file in the ladder, from its storage key."""
    prefix = (ladder.storage_prefix or "") + "/"
    if not key or not ladder.storage_prefix or not key.startswith(prefix):
        return None
    return f"/media/t/{token}/ladder/{key.removeprefix(prefix)}"


def trickplay_menu(token: str, ladder: Ladder | None) -> OfferTrickplay | None:
    trick = ladder.trickplay if ladder is not None else None
    if ladder is None or trick is None:
        return None
    vtt = ladder_url(token, ladder, trick.vtt)
    if vtt is None:
        return None
    return OfferTrickplay(vtt, trick.interval, trick.tile_width, trick.tile_height)
