"""Generate small media files with PyAV for tests (no binaries are committed).

Everything is tiny and fast: 320x240 (or what you ask), 1-2 s, libx264 ultrafast, silent audio.
Text subtitles are really muxed into the file: the cues are written to a .srt, decoded with PyAV
and re-encoded with the container's text subtitle encoder (subrip in Matroska, mov_text in MP4/MOV,
webvtt in WebM). AVI and MPEG-TS cannot carry text subtitles: there, `subtitle_tracks` is ignored.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av

_FORMATS = {
    "mkv": "matroska",
    "mp4": "mp4",
    "mov": "mov",
    "webm": "webm",
    "avi": "avi",
    "ts": "mpegts",
}
_SUBTITLE_CODECS = {"mkv": "subrip", "mp4": "mov_text", "mov": "mov_text", "webm": "webvtt"}
_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}
_CUES = (
    "1\n00:00:00,100 --> 00:00:00,900\nHello {lang}\n\n"
    "2\n00:00:01,000 --> 00:00:01,800\nSecond line ({lang})\n"
)


def _audio_codec(container: str) -> str:
    return "libopus" if container == "webm" else "aac"


def _video_codec(container: str, requested: str | None) -> str:
    if requested:
        return requested
    return "libvpx" if container == "webm" else "libx264"


def _fill(frame: av.VideoFrame | av.AudioFrame, value: int) -> None:
    planes = frame.planes
    if isinstance(frame, av.AudioFrame):
        # PyAV reports one plane too many for planar layouts of more than 8 channels' worth of
        # data pointers (7.1 gives 9); writing to the extra one crashes. Planar audio has one
        # plane per channel, packed audio has one plane.
        planes = planes[: len(frame.layout.channels) if frame.format.is_planar else 1]
    for plane in planes:
        plane.update(bytes([value]) * plane.buffer_size)


def _add_audio(out: av.container.OutputContainer, container: str, lang: str, channels: int):
    stream = out.add_stream(_audio_codec(container), rate=48000)
    stream.layout = _LAYOUTS.get(channels, "stereo")
    if lang:
        stream.metadata["language"] = lang
    return stream


def _encode_audio(out, stream, seconds: float) -> None:
    ctx = stream.codec_context
    size = ctx.frame_size or 1024
    fmt = ctx.codec.audio_formats[0].name if ctx.codec.audio_formats else "fltp"
    total = int(48000 * seconds)
    for start in range(0, total, size):
        frame = av.AudioFrame(format=fmt, layout=stream.layout.name, samples=size)
        _fill(frame, 0)
        frame.sample_rate = 48000
        frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def _subtitle_sets(srt_path: Path) -> tuple[bytes | None, list]:
    """Decode a .srt with PyAV: (ASS header, [(SubtitleSet, pts_ms, duration_ms)])."""
    with av.open(str(srt_path)) as src:
        stream = src.streams.subtitles[0]
        stream.codec_context.open()
        header = stream.codec_context.subtitle_header
        cues = []
        for packet in src.demux(stream):
            if packet.dts is None:
                continue
            subs = stream.codec_context.decode2(packet)
            if subs is not None:
                ms = packet.time_base * 1000
                cues.append((subs, int(packet.pts * ms), int((packet.duration or 0) * ms)))
    return header, cues


def make_video(
    path: str | os.PathLike[str],
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 240,
    fps: int = 24,
    video_codec: str | None = None,
    pix_fmt: str = "yuv420p",
    hdr: bool = False,
    audio_tracks: Sequence[tuple[str, int]] = (("eng", 2),),
    subtitle_tracks: Sequence[tuple[str, bool]] = (("eng", False), ("spa", True)),
    container: str = "mkv",
    chapters: Sequence[tuple[str, float, float]] = (),
    rotation: int | None = None,
    title: str | None = None,
    faststart: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> Path:
    """Write a small video and return its path.

    video_codec: None means libx264 (libvpx for webm); "mpeg4", "libx265" ... also work.
    Odd sizes are encoded as yuv444p (4:2:0 cannot have odd dimensions). pix_fmt "yuv420p10le"
    gives a 10-bit file; hdr=True tags it PQ (smpte2084) with BT.2020 primaries.
    audio_tracks: (language, channels) each; the first is flagged default.
    subtitle_tracks: (language, forced) each, real text subtitle streams (see the module doc).
    chapters: (title, start, end) in seconds. rotation: clockwise degrees for display (90 is a
    phone held upright), stored as a display matrix. faststart (mp4/mov): index (moov) first;
    otherwise it is written at the end, as most muxers do. attachments (mkv only):
    (file name, MIME type, data) each, e.g. a font.
    """
    path = Path(path)
    codec = _video_codec(container, video_codec)
    if (width % 2 or height % 2) and pix_fmt == "yuv420p":
        pix_fmt = "yuv444p"
    srt = path.with_name(path.name + ".tmp.srt") if subtitle_tracks else None
    muxer_options = {"movflags": "faststart"} if faststart and container in ("mp4", "mov") else {}
    with av.open(
        str(path), "w", format=_FORMATS[container], container_options=muxer_options
    ) as out:
        options = {"preset": "ultrafast"} if codec in ("libx264", "libx265") else {}
        if codec == "libx265":
            options["x265-params"] = "log-level=error"
        if codec.startswith("libvpx"):
            options = {"deadline": "realtime", "cpu-used": "8"}
        video = out.add_stream(codec, rate=fps, options=options)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if hdr:
            video.codec_context.color_trc = 16  # smpte2084
            video.codec_context.color_primaries = 9  # bt2020
            video.codec_context.colorspace = 9  # bt2020nc
        if rotation:
            video.set_display_rotation(-rotation)  # PyAV takes counter-clockwise degrees
        audios = []
        for i, (lang, channels) in enumerate(audio_tracks):
            audio = _add_audio(out, container, lang, channels)
            if i == 0:
                audio.disposition = av.stream.Disposition.default
            audios.append(audio)
        subs = []
        if srt is not None and container in _SUBTITLE_CODECS:
            for lang, forced in subtitle_tracks:
                srt.write_text(_CUES.format(lang=lang), encoding="utf-8")
                header, cues = _subtitle_sets(srt)
                stream = out.add_stream(_SUBTITLE_CODECS[container])
                stream.codec_context.subtitle_header = header
                stream.time_base = Fraction(1, 1000)
                stream.metadata["language"] = lang
                stream.disposition = av.stream.Disposition.forced if forced else 0
                subs.append((stream, cues))
        for name, mimetype, data in attachments if container == "mkv" else ():
            out.add_attachment(name, mimetype, data)
        if title:
            out.metadata["title"] = title
        if chapters and container in ("mkv", "mp4", "mov", "webm"):
            out.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": int(start * 1000),
                        "end": int(end * 1000),
                        "time_base": Fraction(1, 1000),
                        "metadata": {"title": name},
                    }
                    for i, (name, start, end) in enumerate(chapters)
                ]
            )
        out.start_encoding()
        for i in range(max(1, int(seconds * fps))):
            frame = av.VideoFrame(width, height, pix_fmt)
            _fill(frame, (i * 7) % 200 + 16)
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for audio in audios:
            _encode_audio(out, audio, seconds)
        for stream, cues in subs:
            for subset, pts, duration in cues:
                packet = stream.codec_context.encode_subtitle(subset)
                packet.pts = packet.dts = pts
                packet.duration = duration
                packet.time_base = Fraction(1, 1000)
                packet.stream = stream
                out.mux(packet)
    if srt is not None:
        srt.unlink(missing_ok=True)
    return path


def make_audio_only(
    path: str | os.PathLike[str],
    *,
    seconds: float = 1.0,
    container: str = "mp4",
    channels: int = 2,
    language: str = "eng",
) -> Path:
    """A file with one AAC (Opus for webm) audio stream and no video."""
    path = Path(path)
    with av.open(str(path), "w", format=_FORMATS.get(container, container)) as out:
        audio = _add_audio(out, container, language, channels)
        out.start_encoding()
        _encode_audio(out, audio, seconds)
    return path


def make_text_file(path: str | os.PathLike[str], text: str = "just some notes\n") -> Path:
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def make_truncated(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], keep_bytes: int
) -> Path:
    """Copy the first `keep_bytes` of src to dst (a download cut short)."""
    dst = Path(dst)
    with open(src, "rb") as f:
        dst.write_bytes(f.read(keep_bytes))
    return dst


def make_playlist_disguised(path: str | os.PathLike[str], target: str = "/etc/passwd") -> Path:
    """An .mkv whose content is an HLS playlist pointing at a local file."""
    path = Path(path)
    path.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n"
        f"#EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n",
        encoding="utf-8",
    )
    return path


def make_concat_disguised(path: str | os.PathLike[str], target: str = "/etc/passwd") -> Path:
    """A file whose content is an FFmpeg concat list pointing at a local file."""
    path = Path(path)
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n", encoding="utf-8")
    return path


def make_image_disguised(path: str | os.PathLike[str], kind: str = "png") -> Path:
    """A real (1x1) PNG, or a minimal JPEG/GIF header, under whatever name you give."""
    path = Path(path)
    if kind == "png":

        def chunk(tag: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + tag
                + data
                + struct.pack(">I", zlib.crc32(tag + data))
            )

        ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
        body = (
            chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
        )
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    elif kind == "jpeg":
        path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    elif kind == "gif":
        path.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    else:
        raise ValueError(f"unknown image kind {kind!r}")
    return path
