"""The playback decision: packaged ladder, direct play, remux or on-the-fly transcode, and why.

Pure logic on what the probe stored and what the client says it can play (playback_request.py);
no web, no database.

Order: a subtitle to burn in, or a client asking for a transcode -> transcode; a published ladder
-> ladder; the source above the height cap, or interlaced (browsers show the fields woven, with
combing on anything that moves; the transcode deinterlaces) -> transcode; the browser plays the
container and both codecs (and the chosen audio is the file's first track, the only one a <video>
element plays) -> direct; the browser plays the video codec in fMP4 -> remux (video copied, new
container); otherwise -> transcode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediaserver.streaming.methods import LiveMode, PlaybackMethod
from mediaserver.streaming.playback_request import Capabilities, PlaybackRequest
from mediaserver.streaming.stream_facts import StreamFacts

# The codec families each container may carry for direct play in a browser.
DIRECT_VIDEO = {"mp4": {"h264", "hevc", "av1", "vp9"}, "webm": {"vp8", "vp9", "av1"}}
DIRECT_AUDIO = {
    "mp4": {"aac", "mp3", "opus", "flac", "ac3", "eac3", "alac"},
    "webm": {"opus", "vorbis"},
}
REMUX_VIDEO = {"h264", "hevc", "av1", "vp9"}  # what fMP4 HLS can carry without re-encoding
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


# ---------------------------------------------------------------------------- the source


@dataclass(frozen=True, slots=True)
class AudioInfo:
    index: int
    codec: str
    channels: int | None
    language: str | None
    title: str | None
    default: bool


@dataclass(frozen=True, slots=True)
class SourceInfo:
    media_file_id: int
    container: str  # FFmpeg demuxer name, "mov,mp4,m4a,3gp,3g2,mj2"
    extension: str  # of the file name, lower case, ".mkv"
    video: StreamFacts | None
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


def main_video(streams: list[StreamFacts]) -> StreamFacts | None:
    """The first video stream that is not cover art."""
    real = [v for v in streams if family(v.codec) not in _COVER_CODECS]
    return real[0] if real else None


def browser_decodes(video: StreamFacts) -> bool:
    """False for H.264 profiles browsers do not decode (High 10, 4:2:2, 4:4:4)."""
    profile = (video.profile or "").lower()
    if family(video.codec) == "h264":
        return (video.bit_depth or 8) <= 8 and not re.search(r"high 10|4:2:2|4:4:4", profile)
    return True


# ---------------------------------------------------------------------------- the decision


@dataclass(frozen=True, slots=True)
class Decision:
    method: PlaybackMethod
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

LIVE_MODES: tuple[LiveMode, ...] = ("remux", "transcode")
# The variant segment of a live URL: the audio stream index ("an": the file has no audio), and
# optionally "-s<subtitle stream index>" to burn in. Live URLs must match it, or the router 404s.
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
    token: str, mode: PlaybackMethod, audio_index: int | None, burn_stream_index: int | None
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
