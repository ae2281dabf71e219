"""Text subtitles, embedded or side files, converted to WebVTT that is safe to show.

Embedded streams (subrip, ass/ssa, mov_text, webvtt) are demuxed and decoded with PyAV through
`sniff.open_media`; FFmpeg's decoders hand every cue over as an ASS "Dialogue" line. Side files
(srt, ass, ssa, vtt, smi, microdvd) are read by pysubs2, which also yields ASS-marked-up events.
Both paths meet in `webvtt.render_cue_text`, which treats cue text as TEXT (docs/security.md, stored
XSS): only <i>/<b>/<u> survive as markup, ASS override tags and drawings are dropped, anything else
that looks like markup is dropped or escaped (`<script>` comes out as `&lt;script&gt;`). Cues are
sorted by start (overlaps are kept: WebVTT allows them), clamped at 0, exact duplicates and empty
cues dropped; a cue without a duration lasts until the next one (5 s at most).

Every output file starts with

    WEBVTT
    X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000

Cue times are on the source's own timeline with the container start time subtracted, which is the
timeline our CMAF segments start at (0). For fMP4 renditions hls.js and Safari read the map as
"cue time 0 is media time 0"; without it hls.js assumes MPEG-TS timing and Safari may shift cues.
Browsers' `<track>` parsers ignore header lines, so the same file serves both. Pass `mpegts=` if a
rendition's media starts elsewhere (90 kHz units).

Bitmap streams (PGS, DVD/VobSub, DVB, XSUB) raise `BitmapSubtitle`: the caller records them as
burn-in only. Any other failure is a `SubtitleError` (a `MediaRejected`) whose `reason` a person can
read. Synchronous; the output name is the caller's.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import pysubs2

from mediaserver.media.sniff import MediaRejected, ffmpeg_reason, open_media
from mediaserver.media.webvtt import MAX_CUES, finish_cues, write_webvtt

MAX_SIDECAR_BYTES = 20 * 1024 * 1024
DEFAULT_MICRODVD_FPS = 23.976
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # not \t \n \f \r

TEXT_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "mov_text", "webvtt", "text"})
BITMAP_CODECS = frozenset(
    {"hdmv_pgs_subtitle", "pgssub", "dvd_subtitle", "dvdsub", "dvb_subtitle", "dvbsub", "xsub"}
)
SIDECAR_FORMATS = {  # our format name -> pysubs2 format identifier
    "srt": "srt",
    "ass": "ass",
    "ssa": "ssa",
    "vtt": "vtt",
    "smi": "sami",
    "sami": "sami",
    "microdvd": "microdvd",
}
BITMAP_SIDECAR_FORMATS = frozenset({"vobsub", "idx", "sup", "pgs"})


class SubtitleError(MediaRejected):
    """This subtitle cannot be converted; `reason` says why."""


class BitmapSubtitle(SubtitleError):
    """A picture-based subtitle (PGS, VobSub, DVB): it can only be burned in. `codec` names it."""

    def __init__(self, codec: str) -> None:
        super().__init__(f"{codec} is a picture-based subtitle; it can only be burned in")
        self.codec = codec


@dataclass(frozen=True)
class SubtitleOutput:
    path: Path  # the out_path the caller gave
    cue_count: int
    language: str | None  # e.g. "eng" as the file says; None when unknown
    forced: bool
    default: bool
    sdh: bool


# ------------------------------------------------------------------------- embedded streams


def _dialogue_text(ass: bytes) -> str:
    """The Text field of FFmpeg's ASS event ("ReadOrder,Layer,Style,Name,...,Effect,Text")."""
    line = ass.decode("utf-8", errors="replace")
    if line.startswith("Dialogue:"):  # old FFmpeg form, one more leading field
        fields = line[len("Dialogue:") :].split(",", 9)
        return fields[9] if len(fields) == 10 else ""
    fields = line.split(",", 8)
    return fields[8] if len(fields) == 9 else line


def _language(stream: av.stream.Stream) -> str | None:
    raw = stream.metadata.get("language") or ""
    lang = "".join(ch for ch in raw if ch.isalnum() or ch == "-")[:16].lower()
    return None if lang in ("", "und", "unk", "none", "xx") else lang


def _stream_output(stream: av.stream.Stream, out_path: Path, count: int) -> SubtitleOutput:
    disposition = stream.disposition
    title = (stream.metadata.get("title") or "").lower()
    sdh = bool(disposition & av.stream.Disposition.hearing_impaired) or bool(
        re.search(r"\b(sdh|cc|hearing[ -]impaired)\b", title)
    )
    return SubtitleOutput(
        path=Path(out_path),
        cue_count=count,
        language=_language(stream),
        forced=bool(disposition & av.stream.Disposition.forced),
        default=bool(disposition & av.stream.Disposition.default),
        sdh=sdh,
    )


def _codec_name(stream: av.stream.Stream) -> str:
    ctx = stream.codec_context
    if ctx is None:
        return "unknown"
    try:
        return ctx.codec.canonical_name  # "subrip", "hdmv_pgs_subtitle" (not "srt", "pgssub")
    except (AttributeError, av.FFmpegError):
        return ctx.name or "unknown"


def _check_stream(container: av.container.InputContainer, index: int) -> av.stream.Stream:
    if not 0 <= index < len(container.streams):
        raise SubtitleError(f"the file has no stream number {index}")
    stream = container.streams[index]
    if stream.type != "subtitle":
        raise SubtitleError(f"stream {index} is {stream.type}, not a subtitle")
    codec = _codec_name(stream)
    if codec in BITMAP_CODECS:
        raise BitmapSubtitle(codec)
    if codec not in TEXT_CODECS:
        raise SubtitleError(f"the {codec} subtitle format is not supported")
    return stream


def _packet_cues(stream: av.stream.Stream, packet: av.Packet, offset: float) -> list:
    subs = stream.codec_context.decode2(packet)
    if subs is None or packet.pts is None:
        return []
    base: Fraction = packet.time_base or stream.time_base
    start = float(packet.pts * base) - offset + subs.start_display_time / 1000
    if packet.duration:
        end: float | None = float((packet.pts + packet.duration) * base) - offset
    elif 0 < subs.end_display_time < 0xFFFFFFFF:
        end = float(packet.pts * base) - offset + subs.end_display_time / 1000
    else:
        end = None
    return [
        (start, end, _dialogue_text(rect.ass))
        for rect in subs.rects
        if getattr(rect, "type", b"") in (b"ass", b"text")
    ]


def convert_embedded_many(
    source: Path, outputs: Mapping[int, Path], *, mpegts: int = 0
) -> dict[int, SubtitleOutput | SubtitleError]:
    """Convert several subtitle streams of one file in ONE read of the file.

    outputs: stream index -> out path. Returns, per index, a SubtitleOutput or the SubtitleError
    (BitmapSubtitle included) that stream raised. MediaRejected if the file itself cannot be read.
    """
    results: dict[int, SubtitleOutput | SubtitleError] = {}
    with open_media(source) as (container, sniffed):
        streams = {}
        for index in outputs:
            try:
                streams[index] = _check_stream(container, index)
            except SubtitleError as exc:
                results[index] = exc
        if not streams:
            return results
        start_time = container.start_time
        offset = start_time / 1_000_000 if start_time and start_time > 0 else 0.0
        raw: dict[int, list] = {index: [] for index in streams}
        broken: dict[int, str] = {}
        try:
            for packet in container.demux(*streams.values()):
                index = packet.stream.index
                if packet.size == 0 or index in broken:
                    continue
                try:
                    raw[index].extend(_packet_cues(streams[index], packet, offset))
                except (av.FFmpegError, ValueError, UnicodeDecodeError) as exc:
                    broken[index] = ffmpeg_reason(exc, sniffed)
                if len(raw[index]) > MAX_CUES * 2:
                    broken[index] = f"more than {MAX_CUES} cues"
        except (av.FFmpegError, OSError, MemoryError) as exc:
            raise MediaRejected(ffmpeg_reason(exc, sniffed)) from None
        for index, stream in streams.items():
            if index in broken:
                results[index] = SubtitleError(f"subtitle stream {index}: {broken[index]}")
                continue
            cues = finish_cues(raw[index])
            write_webvtt(cues, Path(outputs[index]), mpegts=mpegts)
            results[index] = _stream_output(stream, Path(outputs[index]), len(cues))
    return results


def convert_embedded(
    source: Path, stream_index: int, out_path: Path, *, mpegts: int = 0
) -> SubtitleOutput:
    """One embedded text subtitle stream -> WebVTT at out_path. Raises BitmapSubtitle for picture
    subtitles, SubtitleError/MediaRejected (with `.reason`) otherwise."""
    result = convert_embedded_many(source, {stream_index: out_path}, mpegts=mpegts)[stream_index]
    if isinstance(result, SubtitleError):
        raise result
    return result


# ------------------------------------------------------------------------------ side files


def _read_limited(path: Path) -> bytes:
    try:
        fd = os.open(os.fsencode(path), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SubtitleError("subtitle file not found") from None
    except OSError as exc:
        raise SubtitleError(f"cannot open the subtitle file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubtitleError("the subtitle is not a regular file")
        if info.st_size > MAX_SIDECAR_BYTES:
            raise SubtitleError(
                f"subtitle file is {info.st_size // (1024 * 1024)} MB, more than the "
                f"{MAX_SIDECAR_BYTES // (1024 * 1024)} MB limit"
            )
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(MAX_SIDECAR_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SIDECAR_BYTES:
        raise SubtitleError("subtitle file grew beyond the size limit while being read")
    if not data.strip():
        raise SubtitleError("the subtitle file is empty")
    return data


def decode_subtitle_bytes(data: bytes) -> str:
    """Bytes of a text subtitle -> str: BOMs first (UTF-8, UTF-16), then UTF-8, then cp1252
    (Western European Windows, the most common legacy subtitle encoding), then latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    sample = data[:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) * 0.4 and even == 0:
            return data.decode("utf-16-le", errors="replace")
        if even > len(sample) * 0.4 and odd == 0:
            return data.decode("utf-16-be", errors="replace")
    if b"\x00" in data:
        raise SubtitleError("not a text subtitle file (it contains binary data)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > max(8, len(text[:65536]) // 100):
        raise SubtitleError("not a text subtitle file (it contains binary data)")
    return text


def convert_sidecar(
    path: Path,
    fmt: str,
    out_path: Path,
    *,
    language: str | None = None,
    forced: bool = False,
    default: bool = False,
    sdh: bool = False,
    fps: float | None = None,
    mpegts: int = 0,
) -> SubtitleOutput:
    """A subtitle side file -> WebVTT at out_path.

    fmt: srt, ass, ssa, vtt, smi (or sami), microdvd (as `SidecarSubtitle.format`); vobsub raises
    BitmapSubtitle. language/forced/default/sdh are passed through to the result (take them from
    the SidecarSubtitle). fps: the video's frame rate, for MicroDVD files that do not declare one
    (else 23.976). Raises SubtitleError with a readable `reason`.
    """
    fmt = (fmt or "").lower()
    if fmt in BITMAP_SIDECAR_FORMATS:
        raise BitmapSubtitle(fmt)
    identifier = SIDECAR_FORMATS.get(fmt)
    if identifier is None:
        raise SubtitleError(f"the {fmt[:20]!r} subtitle format is not supported")
    text = decode_subtitle_bytes(_read_limited(Path(path)))
    options: dict = {"keep_unknown_html_tags": True} if identifier in ("srt", "vtt") else {}
    if identifier == "microdvd" and fps:
        options["fps"] = fps
    try:
        try:
            subs = pysubs2.SSAFile.from_string(text, format_=identifier, **options)
        except pysubs2.exceptions.UnknownFPSError:
            subs = pysubs2.SSAFile.from_string(text, format_=identifier, fps=DEFAULT_MICRODVD_FPS)
    except Exception as exc:  # hostile text through a third-party parser: any failure is "bad"
        raise SubtitleError(f"cannot read the {fmt} subtitle: {type(exc).__name__}") from None
    raw = [
        (event.start / 1000, event.end / 1000, event.text)
        for event in subs.events
        if not event.is_comment
    ]
    cues = finish_cues(raw)
    if not cues:
        raise SubtitleError(f"no subtitle cues found: this does not look like a {fmt} file")
    write_webvtt(cues, Path(out_path), mpegts=mpegts)
    return SubtitleOutput(Path(out_path), len(cues), language, forced, default, sdh)
