"""Decide whether a file may be handed to FFmpeg at all, and open it safely when it may.

Hostile media files (docs/security.md). A "video" can be an HLS or concat playlist that makes the
demuxer read other files or URLs, an image that image2 happily opens, a text file, a zero-byte or
truncated file, or a pixel bomb. So, before FFmpeg sees a byte:

1. the path must be a regular local file: it is opened here with `os.open` (never by FFmpeg, so a
   name can never be read as a URL, a protocol prefix or an option, whatever its bytes);
2. its first bytes are classified: text, playlists, images, archives, documents and executables are
   refused; known containers pick their demuxer explicitly;
3. FFmpeg reads it through the Python file object, with a demuxer whitelist of real media
   containers, `protocol_whitelist=file` for anything it might try to open on the side, and bounded
   probing; the opened demuxer is checked again, then streams, dimensions and duration are bounded.

Every failure is a `MediaRejected` whose `reason` a person can act on. Synchronous: callers run it
in a thread (`await asyncio.to_thread(...)`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import av
import av.error

from mediaserver.media.channel_layouts import make_layouts_safe
from mediaserver.media.magic import HEAD_BYTES, classify_head, structure_problem

MAX_STREAMS = 64
MAX_DIMENSION = 16384
MAX_PIXELS = 1 << 28
MAX_DURATION_SECONDS = 48 * 3600
OPEN_TIMEOUT_SECONDS = 30.0

# Real audio/video container demuxers. FFmpeg refuses any other demuxer (format_whitelist), so hls,
# concat, image2, sdp, rtp, tty, data, lavfi and bare subtitle/image demuxers can never run.
ALLOWED_DEMUXERS = (
    "matroska,webm",
    "mov,mp4,m4a,3gp,3g2,mj2",
    "avi",
    "mpegts",
    "mpeg",
    "mpegvideo",
    "flv",
    "ogg",
    "asf",
    "rm",
    "mxf",
    "nut",
    "dv",
    "ivf",
    "wav",
    "w64",
    "aiff",
    "caf",
    "flac",
    "mp3",
    "aac",
    "ac3",
    "eac3",
    "dts",
    "truehd",
    "wv",
    "ape",
    "amr",
)
_WHITELIST = ",".join(ALLOWED_DEMUXERS)
_ALLOWED_NAMES = frozenset(_WHITELIST.split(","))

# Checked again after opening (defence in depth), with a clearer reason than "not allowed".
PLAYLIST_DEMUXERS = frozenset(
    {"hls", "applehttp", "concat", "dash", "webm_dash_manifest", "sdp", "rtp", "rtsp", "imf"}
)
DANGEROUS_DEMUXERS = PLAYLIST_DEMUXERS | frozenset(
    {"image2", "image2pipe", "data", "tty", "lavfi", "ffmetadata", "bin", "subviewer", "subviewer1"}
)

# Bounded, local-only probing. These are AVFormatContext options, never built from user input.
CONTAINER_OPTIONS = {
    "protocol_whitelist": "file",
    "format_whitelist": _WHITELIST,
    "probesize": str(10 * 1024 * 1024),
    "analyzeduration": str(10 * 1_000_000),
    "max_streams": str(MAX_STREAMS * 4),
    "enable_drefs": "0",
    "use_absolute_path": "0",
}


class MediaRejected(Exception):
    """This file is not media we accept; `reason` says why, in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say. `kind`: "mkv", "webm", "mp4", "mov", "ts", ... or "unknown"
    (binary that FFmpeg may still identify among ALLOWED_DEMUXERS). `demuxer`: the FFmpeg demuxer
    forced for it, or None to let FFmpeg probe within the whitelist. `brand`: the ISO BMFF major
    brand when there is one."""

    kind: str
    demuxer: str | None
    size_bytes: int
    brand: str | None = None


def _fs_path(path: str | os.PathLike[str] | bytes) -> bytes:
    if not isinstance(path, str | bytes | os.PathLike):
        raise TypeError(f"a local file path is needed, not {type(path).__name__}")
    raw = os.fsencode(path)
    if b"\x00" in raw:
        raise MediaRejected("the file name contains a NUL byte")
    return raw


def _what(mode: int) -> str:
    return "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"


def _open_regular(raw: bytes) -> int:
    """A read-only descriptor for a regular file (FIFOs, devices and folders are refused without
    blocking: O_NONBLOCK keeps a FIFO from waiting for a writer; a device is never opened)."""
    try:
        mode = os.stat(raw).st_mode
        if not stat.S_ISREG(mode):
            raise MediaRejected(f"not a regular file: it is {_what(mode)}")
        fd = os.open(raw, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise MediaRejected("file not found (it may have been moved or deleted)") from None
    except PermissionError:
        raise MediaRejected("cannot read the file: permission denied") from None
    except IsADirectoryError:
        raise MediaRejected("this is a folder, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MediaRejected("the path is a symbolic link loop") from None
        raise MediaRejected(f"cannot open the file: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # replaced between stat and open
        os.close(fd)
        raise MediaRejected(f"not a regular file: it is {_what(mode)}")
    os.set_blocking(fd, True)
    return fd


def _read_head(fd: int, size: int) -> bytes:
    try:
        return os.pread(fd, min(HEAD_BYTES, size), 0)
    except OSError as exc:
        raise MediaRejected(f"cannot read the file: {exc.strerror or exc}") from None


def _sniff_fd(fd: int) -> tuple[Sniffed, bytes]:
    size = os.fstat(fd).st_size
    if size == 0:
        raise MediaRejected("empty file (0 bytes)")
    head = _read_head(fd, size)
    verdict = classify_head(head, size)
    if verdict.rejected:
        raise MediaRejected(verdict.rejected)
    return Sniffed(verdict.kind, verdict.demuxer, size, verdict.brand), head


def sniff_file(path: str | os.PathLike[str] | bytes) -> Sniffed:
    """Classify a file by its first bytes without running FFmpeg; MediaRejected if it is plainly
    not media (empty, text, playlist, image, archive, document, executable)."""
    fd = _open_regular(_fs_path(path))
    try:
        return _sniff_fd(fd)[0]
    finally:
        os.close(fd)


def sniff_kind(path: str | os.PathLike[str] | bytes) -> str:
    """Cheap pre-check: the container kind the first bytes announce ("mkv", "mp4", "webm", "avi",
    "ts", "mov", ..., or "unknown"); raises MediaRejected for what is plainly not media."""
    return sniff_file(path).kind


def error_words(exc: BaseException) -> str:
    """An exception as one printable line of at most 200 characters, for a reason shown to
    people (FFmpeg messages can carry control characters)."""
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return "".join(ch for ch in str(text) if ch.isprintable())[:200]


def ffmpeg_reason(exc: BaseException, sniffed: Sniffed) -> str:
    """Readable words for an FFmpeg/Python error raised while opening or reading this file."""
    log = getattr(exc, "log", None)
    detail = ""
    if isinstance(log, tuple) and len(log) == 3 and isinstance(log[2], str):
        detail = "".join(ch for ch in log[2] if ch.isprintable()).strip()[:200]
    if isinstance(exc, av.error.ArgumentError) and sniffed.demuxer is None:
        return "not a recognised audio or video format"
    if isinstance(exc, av.error.InvalidDataError | av.error.EOFError):
        if sniffed.kind == "unknown":
            return "not a recognised audio or video format"
        return f"truncated or damaged: {detail or f'FFmpeg cannot read this {sniffed.kind} file'}"
    if isinstance(exc, av.error.ExitError | av.error.TimeoutError):
        return "reading the file took too long"
    if isinstance(exc, av.error.PermissionError | PermissionError):
        return "cannot read the file: permission denied"
    if isinstance(exc, av.error.MemoryError | MemoryError):
        return "too large or too many streams to read safely"
    if isinstance(exc, UnicodeDecodeError):
        return "its metadata is not readable text"
    if isinstance(exc, av.FFmpegError):
        words = detail or getattr(exc, "strerror", None) or exc.__class__.__name__
        return f"FFmpeg cannot read it: {words}"
    if isinstance(exc, OSError):
        return f"cannot read the file: {exc.strerror or exc}"
    return f"cannot read it: {exc.__class__.__name__}"


def check_bounds(container: av.container.InputContainer) -> None:
    """Refuse what is dangerous or unreasonable once FFmpeg has read the headers."""
    name = container.format.name
    parts = set(name.split(","))
    if parts & PLAYLIST_DEMUXERS:
        raise MediaRejected("playlist files are not accepted as media")
    if parts & DANGEROUS_DEMUXERS or not parts & _ALLOWED_NAMES:
        raise MediaRejected(f"not a recognised audio or video format ({name})")
    streams = container.streams
    if len(streams) > MAX_STREAMS:
        raise MediaRejected(f"{len(streams)} streams, more than the {MAX_STREAMS} limit")
    playable = 0
    for stream in streams.video:
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        playable += 1
        ctx = stream.codec_context
        width, height = (ctx.width or 0, ctx.height or 0) if ctx is not None else (0, 0)
        if width > MAX_DIMENSION or height > MAX_DIMENSION:
            raise MediaRejected(
                f"video is {width}x{height}, larger than the {MAX_DIMENSION}x{MAX_DIMENSION} limit"
            )
        if width * height > MAX_PIXELS:
            raise MediaRejected(f"video is {width}x{height}, more than {MAX_PIXELS} pixels")
    playable += len(streams.audio)
    if playable == 0:
        raise MediaRejected("no audio or video streams found")
    duration = container.duration
    if duration is not None and duration / 1_000_000 > MAX_DURATION_SECONDS:
        hours = duration / 3_600_000_000
        raise MediaRejected(
            f"declared duration of {hours:.0f} hours is longer than the "
            f"{MAX_DURATION_SECONDS // 3600} hour limit"
        )


def container_seconds(container: av.container.InputContainer) -> float | None:
    """How long the programme lasts, in seconds, or None when the file does not say. FFmpeg's
    duration, less the start time for Matroska: its declared duration runs from 0 even when
    the timestamps start later (a recording cut from a stream, `-output_ts_offset`), so a file
    starting at 1 h and lasting 3 s would otherwise claim 1 h 3 s."""
    duration = container.duration
    if not duration or duration <= 0:
        return None
    start = container.start_time or 0
    if "matroska" in container.format.name and 0 < start < duration:
        duration -= start
    return duration / 1_000_000


@contextmanager
def open_media(
    path: str | os.PathLike[str] | bytes,
    *,
    cut_short_ok: bool = False,
) -> Iterator[tuple[av.container.InputContainer, Sniffed]]:
    """Open a local media file safely; yields (PyAV input container, Sniffed) and closes both.

    Raises MediaRejected for anything that is not acceptable media. FFmpeg reads through a Python
    file object, so it never resolves the name itself and can open nothing else but `file:`.
    A file whose structure shows it was cut short is refused with the reason, unless
    `cut_short_ok` (on-the-fly play, which plays what the file still holds); every other check
    applies either way.
    """
    fd = _open_regular(_fs_path(path))
    try:
        sniffed, head = _sniff_fd(fd)
        problem = structure_problem(fd, sniffed.kind, sniffed.size_bytes, head)
        if problem and not cut_short_ok:
            raise MediaRejected(problem)
        file = os.fdopen(os.dup(fd), "rb", buffering=0)
    finally:
        os.close(fd)
    with file:
        try:
            container = av.open(
                file,
                mode="r",
                format=sniffed.demuxer,
                container_options=dict(CONTAINER_OPTIONS),
                metadata_errors="replace",
                buffer_size=64 * 1024,
                timeout=OPEN_TIMEOUT_SECONDS,
            )
        except (av.FFmpegError, OSError, UnicodeDecodeError, MemoryError, ValueError) as exc:
            raise MediaRejected(ffmpeg_reason(exc, sniffed)) from None
        try:
            check_bounds(container)
            make_layouts_safe(container)
            yield container, sniffed
        finally:
            container.close()
