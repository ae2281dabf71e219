"""The playback decision: packaged ladder, direct play, remux or on-the-fly transcode, and why.

Pure logic on what the probe stored and what the client says it can play; no web, no database.

The client states its abilities as `MediaSource.isTypeSupported` answers, keyed by the MIME
string it tested. Any MIME string is understood by its container (mp4 / webm / mpeg audio) and
codec families (avc1/avc3 -> h264, hvc1/hev1 -> hevc, av01 -> av1, vp8, vp09/vp9 -> vp9,
mp4a.40.* -> aac, mp4a.69/6B or audio/mpeg -> mp3, opus, flac, vorbis, ac-3, ec-3, alac). The web
player tests MSE_CANDIDATES. A browser without MSE but with native HLS (Safari on iPhone) is taken
to play what Apple devices play natively.

Order: a subtitle to burn in, or a client asking for a transcode -> transcode; a published ladder
-> ladder; the source above the height cap, or interlaced (browsers show the fields woven, with
combing on anything that moves; the transcode deinterlaces) -> transcode; the browser plays the
container and both codecs (and the chosen audio is the file's first track, the only one a <video>
element plays) -> direct; the browser plays the video codec in fMP4 -> remux (video copied, new
container); otherwise -> transcode.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from mediaserver.errors import BadRequest

MSE_CANDIDATES: tuple[str, ...] = (
    'video/mp4; codecs="avc1.640028"',
    'video/mp4; codecs="hvc1.1.6.L120.90"',
    'video/mp4; codecs="av01.0.08M.08"',
    'video/mp4; codecs="vp09.00.40.08"',
    'video/webm; codecs="vp8"',
    'video/webm; codecs="vp9"',
    'video/webm; codecs="av01.0.08M.08"',
    'audio/mp4; codecs="mp4a.40.2"',
    'audio/mp4; codecs="mp4a.69"',
    'audio/mp4; codecs="opus"',
    'audio/mp4; codecs="flac"',
    'audio/mp4; codecs="ac-3"',
    'audio/mp4; codecs="ec-3"',
    'audio/webm; codecs="opus"',
    'audio/webm; codecs="vorbis"',
    "audio/mpeg",
)
REQUEST_KEYS = frozenset(
    {"mse", "native_hls", "max_height", "audio", "subtitle_burn", "start", "prefer"}
)
MAX_MSE_ENTRIES = 64
MAX_MIME_LENGTH = 200

# The codec families each container may carry for direct play in a browser.
DIRECT_VIDEO = {"mp4": {"h264", "hevc", "av1", "vp9"}, "webm": {"vp8", "vp9", "av1"}}
DIRECT_AUDIO = {
    "mp4": {"aac", "mp3", "opus", "flac", "ac3", "eac3", "alac"},
    "webm": {"opus", "vorbis"},
}
REMUX_VIDEO = {"h264", "hevc", "av1", "vp9"}  # what fMP4 HLS can carry without re-encoding
# What Apple devices play natively (no MSE answers, native HLS).
APPLE_NATIVE = {("mp4", c) for c in ("h264", "hevc", "aac", "mp3", "ac3", "eac3", "flac", "alac")}
DIRECT_EXTENSIONS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4", ".m4a": "mp4", ".webm": "webm"}
_COVER_CODECS = {"mjpeg", "png", "bmp", "gif", "webp"}

_FFMPEG_FAMILY = {
    "h264": "h264",
    "hevc": "hevc",
    "av1": "av1",
    "libdav1d": "av1",
    "vp8": "vp8",
    "vp9": "vp9",
    "aac": "aac",
    "mp3": "mp3",
    "mp3float": "mp3",
    "opus": "opus",
    "flac": "flac",
    "vorbis": "vorbis",
    "ac3": "ac3",
    "eac3": "eac3",
    "alac": "alac",
}
_MIME_FAMILY = [
    (re.compile(r"avc[13](\..*)?"), "h264"),
    (re.compile(r"(hvc1|hev1)(\..*)?"), "hevc"),
    (re.compile(r"av01(\..*)?"), "av1"),
    (re.compile(r"vp8(\.0)?"), "vp8"),
    (re.compile(r"(vp9|vp09)(\..*)?"), "vp9"),
    (re.compile(r"mp4a\.40(\..*)?"), "aac"),
    (re.compile(r"mp4a\.(69|6b)|mp3"), "mp3"),
    (re.compile(r"opus"), "opus"),
    (re.compile(r"flac"), "flac"),
    (re.compile(r"vorbis"), "vorbis"),
    (re.compile(r"ac-3"), "ac3"),
    (re.compile(r"ec-3"), "eac3"),
    (re.compile(r"alac"), "alac"),
]
_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC",
    "av1": "AV1",
    "vp8": "VP8",
    "vp9": "VP9",
    "mpeg2video": "MPEG-2",
    "vc1": "VC-1",
    "mpeg4": "MPEG-4 Part 2",
    "aac": "AAC",
    "mp3": "MP3",
    "ac3": "Dolby Digital",
    "eac3": "Dolby Digital Plus",
    "dts": "DTS",
    "truehd": "Dolby TrueHD",
}


def family(codec: str | None) -> str:
    """Our codec family for an FFmpeg codec name ('h264', 'mp3float' -> 'mp3'); else the name."""
    return _FFMPEG_FAMILY.get((codec or "").lower(), (codec or "unknown").lower())


def codec_name(codec: str | None) -> str:
    fam = family(codec)
    return _NAMES.get(fam, fam.upper() if len(fam) <= 5 else fam)


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class PlaybackRequest:
    mse: dict[str, bool] = field(default_factory=dict)
    native_hls: bool = False
    max_height: int = 0  # 0: no cap
    audio: int | None = None  # stream index
    subtitle_burn: int | None = None  # subtitle track id
    start: float = 0.0
    prefer: str = "auto"


def _int(data: dict[str, Any], name: str, high: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise BadRequest(f"'{name}' must be a whole number from 0 to {high}.", field=name)
    return value


def parse_request(data: dict[str, Any]) -> PlaybackRequest:
    """The JSON body, checked. Unknown keys are refused by name (400)."""
    unknown = sorted(set(data) - REQUEST_KEYS)
    if unknown:
        raise BadRequest(
            f"Unknown key '{unknown[0][:40]}'; allowed: {', '.join(sorted(REQUEST_KEYS))}.",
            field=unknown[0][:40],
        )
    mse = data.get("mse") or {}
    if not isinstance(mse, dict) or len(mse) > MAX_MSE_ENTRIES:
        raise BadRequest(
            f"'mse' must be an object of at most {MAX_MSE_ENTRIES} MIME types.", field="mse"
        )
    for key, value in mse.items():
        if len(key) > MAX_MIME_LENGTH or not isinstance(value, bool):
            raise BadRequest("'mse' maps MIME type strings to true or false.", field="mse")
    native = data.get("native_hls", False)
    if not isinstance(native, bool):
        raise BadRequest("'native_hls' must be true or false.", field="native_hls")
    start = data.get("start", 0)
    if isinstance(start, bool) or not isinstance(start, int | float) or not math.isfinite(start):
        raise BadRequest("'start' must be a number of seconds.", field="start")
    if not 0 <= start <= 7 * 86400:
        raise BadRequest("'start' must be between 0 and the length of the title.", field="start")
    prefer = data.get("prefer", "auto")
    if prefer not in ("auto", "transcode"):
        raise BadRequest('\'prefer\' must be "auto" or "transcode".', field="prefer")
    return PlaybackRequest(
        mse=dict(mse),
        native_hls=native,
        max_height=_int(data, "max_height", 10_000) or 0,
        audio=_int(data, "audio", 9999),
        subtitle_burn=_int(data, "subtitle_burn", 2**31 - 1),
        start=float(start),
        prefer=prefer,
    )


# ------------------------------------------------------------------------ what it can play


def _container_of(mime: str) -> str | None:
    kind = mime.split(";", 1)[0].strip().lower()
    if kind in ("video/mp4", "audio/mp4"):
        return "mp4"
    if kind in ("video/webm", "audio/webm"):
        return "webm"
    if kind in ("audio/mpeg", "audio/mp3"):
        return "mpeg"
    return None


def _codecs_of(mime: str) -> list[str]:
    match = re.search(r"codecs\s*=\s*\"?([^\";]*)\"?", mime, re.IGNORECASE)
    if match is None:
        return ["mp3"] if _container_of(mime) == "mpeg" else []
    found = []
    for token in match.group(1).split(","):
        token = token.strip().lower()
        fam = next((f for pattern, f in _MIME_FAMILY if pattern.fullmatch(token)), None)
        if fam is not None:
            found.append(fam)
    return found


class Capabilities:
    """What the client plays: (container, codec family) pairs from its MSE answers."""

    def __init__(self, request: PlaybackRequest) -> None:
        self.native_hls = request.native_hls
        self.pairs: set[tuple[str, str]] = set()
        for mime, ok in request.mse.items():
            container = _container_of(mime)
            if not ok or container is None:
                continue
            for fam in _codecs_of(mime):
                self.pairs.add(("mp4" if container == "mpeg" else container, fam))
        if not request.mse and request.native_hls:
            self.pairs |= APPLE_NATIVE

    def plays(self, container: str, fam: str) -> bool:
        return (container, fam) in self.pairs


# ---------------------------------------------------------------------------- the source


@dataclass(frozen=True)
class VideoInfo:
    index: int
    codec: str
    profile: str | None
    width: int
    height: int
    bit_depth: int | None
    interlaced: bool = False


@dataclass(frozen=True)
class AudioInfo:
    index: int
    codec: str
    channels: int | None
    language: str | None
    title: str | None
    default: bool


@dataclass(frozen=True)
class SourceInfo:
    media_file_id: int
    container: str  # FFmpeg demuxer name, "mov,mp4,m4a,3gp,3g2,mj2"
    extension: str  # of the file name, lower case, ".mkv"
    video: VideoInfo | None
    audio: tuple[AudioInfo, ...]
    bitrate: int | None

    @property
    def direct_container(self) -> str | None:
        """'mp4' or 'webm' when a browser can open this file as it is, else None."""
        kind = DIRECT_EXTENSIONS.get(self.extension)
        if kind == "mp4" and ("mp4" in self.container or "mov" in self.container):
            return "mp4"
        if kind == "webm" and "webm" in self.container:
            return "webm"
        return None

    @property
    def container_label(self) -> str:
        return self.extension.lstrip(".").upper() or self.container.split(",")[0].upper()


def main_video(streams: list[VideoInfo]) -> VideoInfo | None:
    """The first video stream that is not cover art."""
    real = [v for v in streams if family(v.codec) not in _COVER_CODECS]
    return real[0] if real else None


def browser_decodes(video: VideoInfo) -> bool:
    """False for H.264 profiles browsers do not decode (High 10, 4:2:2, 4:4:4)."""
    profile = (video.profile or "").lower()
    if family(video.codec) == "h264":
        return (video.bit_depth or 8) <= 8 and not re.search(r"high 10|4:2:2|4:4:4", profile)
    return True


# ---------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class Decision:
    method: str  # ladder | direct | remux | transcode
    reason: str


def decide(
    source: SourceInfo,
    request: PlaybackRequest,
    *,
    ladder: bool,
    max_height: int,
    audio: AudioInfo | None,
    burn: bool,
) -> Decision:
    """See the module docstring for the order. `audio`: the chosen (or first) audio track."""
    if burn:
        return Decision("transcode", "The chosen subtitles are pictures; they are burned in.")
    if request.prefer == "transcode":
        return Decision("transcode", "The player asked for a transcode.")
    if ladder:
        return Decision("ladder", "This title is packaged: the adaptive ladder plays.")
    caps = Capabilities(request)
    video = source.video
    if video is not None and max_height and video.height > max_height:
        return Decision(
            "transcode",
            f"The source is {video.height} pixels high, above this stream's "
            f"{max_height}-pixel cap.",
        )
    if video is not None and video.interlaced:
        return Decision(
            "transcode", "The video is interlaced; it is deinterlaced while it is transcoded."
        )
    first_audio = source.audio[0] if source.audio else None
    vfam = family(video.codec) if video else None
    afam = family(audio.codec) if audio else None
    container = source.direct_container
    video_ok = video is None or (browser_decodes(video) and vfam is not None)
    if container and video_ok:
        v_plays = vfam is None or (vfam in DIRECT_VIDEO[container] and caps.plays(container, vfam))
        a_plays = afam is None or (afam in DIRECT_AUDIO[container] and caps.plays(container, afam))
        other_track = audio is not None and audio != first_audio
        if v_plays and a_plays and (video or audio) and not other_track:
            what = f"{codec_name(vfam)} video" if vfam else "audio"
            return Decision(
                "direct", f"The browser plays this {source.container_label} file ({what}) as is."
            )
    if video is not None and video_ok and vfam in REMUX_VIDEO and caps.plays("mp4", vfam):
        why = (
            "another audio track was chosen"
            if container and audio is not None and audio != first_audio
            else f"the browser cannot open {source.container_label} files"
            if not container
            else "the browser cannot play the audio as it is"
        )
        return Decision(
            "remux",
            f"The browser plays the {codec_name(vfam)} video, but {why}: "
            "the video is repackaged without re-encoding.",
        )
    if video is None and afam is not None and caps.plays("mp4", afam):
        return Decision("remux", "The audio is repackaged without re-encoding.")
    if video is not None and not browser_decodes(video):
        return Decision(
            "transcode",
            f"Browsers do not decode this {codec_name(vfam)} profile "
            f"({video.profile or f'{video.bit_depth}-bit'}); it is transcoded.",
        )
    what = f"{codec_name(vfam)} video" if video is not None else f"{codec_name(afam)} audio"
    return Decision("transcode", f"The browser cannot play {what}; it is transcoded.")


# --------------------------------------------------------------------------------- the URLs

LIVE_MODES = ("remux", "transcode")
# The variant segment of a live URL: the audio stream index ("an": the file has no audio), and
# optionally "-s<subtitle stream index>" to burn in. S2's routes parse it with this pattern.
LIVE_VARIANT_PATTERN = r"a(?:n|0|[1-9][0-9]{0,3})(?:-s(?:0|[1-9][0-9]{0,3}))?"
_LIVE_VARIANT = re.compile(r"a(?P<audio>n|0|[1-9][0-9]{0,3})(?:-s(?P<burn>0|[1-9][0-9]{0,3}))?")


def live_variant(audio_index: int | None, burn_stream_index: int | None) -> str:
    variant = f"a{'n' if audio_index is None else int(audio_index)}"
    if burn_stream_index is not None:
        variant += f"-s{int(burn_stream_index)}"
    return variant


def parse_live_variant(text: str) -> tuple[int | None, int | None] | None:
    """(audio stream index or None, burn-in subtitle stream index or None); None: no match."""
    match = _LIVE_VARIANT.fullmatch(text)
    if match is None:
        return None
    audio = None if match["audio"] == "n" else int(match["audio"])
    burn = None if match["burn"] is None else int(match["burn"])
    return audio, burn


def live_master_url(
    token: str, mode: str, audio_index: int | None, burn_stream_index: int | None
) -> str:
    """The on-the-fly master playlist URL (served by the live routes)."""
    if mode not in LIVE_MODES:
        raise ValueError(f"mode must be one of {LIVE_MODES}")
    return (
        f"/media/t/{token}/live/{mode}/{live_variant(audio_index, burn_stream_index)}/master.m3u8"
    )


def direct_url(token: str, media_file_id: int, extension: str) -> str:
    return f"/media/t/{token}/file/{int(media_file_id)}{extension}"


def direct_mime(source: SourceInfo) -> str:
    if source.direct_container == "webm":
        return "video/webm" if source.video else "audio/webm"
    return "video/mp4" if source.video else "audio/mp4"
