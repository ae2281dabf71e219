"""Hardware video encoders: find out at start-up which ones really work, by encoding a few frames.

An encoder being compiled into FFmpeg says nothing about the machine: NVENC needs an NVIDIA driver
(libcuda), Quick Sync an Intel GPU and its runtime, VA-API a render node. So each candidate is
opened and fed a handful of frames through PyAV; only one that returns packets counts. Every probe
runs in its own daemon thread with a deadline, so a wedged driver can delay start-up by at most
PROBE_TIMEOUT per encoder and never hang it. Without a usable one the server encodes with libx264
and says so once in the log and on the admin packaging page.

No aiohttp here: `packaging.hwaccel` runs `detect` off the event loop at start-up and keeps the
result for the admin page and the packaging jobs.
"""

from __future__ import annotations

import glob
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import av
import av.codec.hwaccel
import av.logging

log = logging.getLogger(__name__)

CHOICES: tuple[str, ...] = ("auto", "none", "nvenc", "qsv", "vaapi")
KINDS: tuple[str, ...] = ("nvenc", "qsv", "vaapi")  # the order "auto" tries them in
H264_ENCODERS = {"nvenc": "h264_nvenc", "qsv": "h264_qsv", "vaapi": "h264_vaapi"}
SOFTWARE = {"h264": "libx264", "hevc": "libx265"}
# Software frames each encoder accepts directly (VA-API needs hardware surfaces, see _probe).
PIXEL_FORMATS = {"nvenc": "yuv420p", "qsv": "nv12", "vaapi": "nv12"}
PROBE_TIMEOUT = 15.0  # seconds one encoder may take to open and encode the test frames
PROBE_FRAMES = 8
PROBE_SIZE = (256, 144)  # small, but above every encoder's minimum size
RENDER_NODES = "/dev/dri/renderD*"


@dataclass(frozen=True, slots=True)
class HwaccelStatus:
    """What was asked for, what is used, what works here, and why, in words for the admin."""

    requested: str
    active_encoder: str  # the H.264 encoder ladders use, e.g. "h264_nvenc" or "libx264"
    available: list[str] = field(default_factory=list)  # kinds that encoded frames: ["nvenc"]
    reason: str = ""
    failures: dict[str, str] = field(default_factory=dict)  # kind -> why it did not work
    detecting: bool = False  # True until start-up detection has finished

    @property
    def hardware(self) -> str | None:
        """The hardware kind in use ("nvenc", "qsv", "vaapi"), or None for software."""
        return next((k for k, name in H264_ENCODERS.items() if name == self.active_encoder), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"hardware": self.hardware}


def _render_node() -> str | None:
    nodes = sorted(glob.glob(RENDER_NODES))
    return nodes[0] if nodes else None


def _ffmpeg_message(exc: BaseException) -> str:
    """The FFmpeg log line attached to a PyAV error ("Cannot load libcuda.so.1"), else the error."""
    extra = exc.args[3] if isinstance(exc, av.FFmpegError) and len(exc.args) > 3 else None
    if isinstance(extra, tuple) and len(extra) == 3 and isinstance(extra[2], str):
        text = extra[2].strip()
        if text:
            return text
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc or type(exc).__name__).strip()


def _encode_frames(kind: str) -> None:
    """Open the kind's H.264 encoder and encode a few frames; raise if anything fails."""
    name = H264_ENCODERS[kind]
    if name not in av.codecs_available:
        raise RuntimeError(f"this FFmpeg build has no {name} encoder")
    hwaccel = None
    if kind == "vaapi":
        node = _render_node()
        if node is None:
            raise RuntimeError("no GPU render node (/dev/dri/renderD*)")
        if "vaapi" not in av.codec.hwaccel.hwdevices_available():
            raise RuntimeError("this FFmpeg build cannot open VA-API devices")
        hwaccel = av.codec.hwaccel.HWAccel(device_type="vaapi", device=node)
    width, height = PROBE_SIZE
    ctx = av.CodecContext.create(name, "w", hwaccel=hwaccel)
    ctx.width, ctx.height = width, height
    ctx.pix_fmt = PIXEL_FORMATS[kind]
    ctx.time_base = Fraction(1, 25)
    ctx.framerate = Fraction(25, 1)
    ctx.open()
    packets = 0
    for i in range(PROBE_FRAMES):
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(i * 16) % 235 + 16]) * plane.buffer_size)
        if ctx.pix_fmt != "yuv420p":
            frame = frame.reformat(format=ctx.pix_fmt)
        frame.pts = i
        packets += len(ctx.encode(frame))
    packets += len(ctx.encode(None))
    if packets == 0:
        raise RuntimeError(f"{name} opened but produced no output")


def probe_encoder(kind: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when the kind's encoder works here, else the reason it does not (one short line).

    Runs the probe in a daemon thread and stops waiting after `timeout`: a driver that never
    returns costs that much time, not a hung server (the thread is left to the OS at exit).
    """
    outcome: list[str | None] = []

    def run() -> None:
        # Capture: FFmpeg's own lines stay out of the log; the reason carries what matters.
        with av.logging.Capture(local=True):
            try:
                _encode_frames(kind)
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - a failure is a reason, never a crash
                outcome.append(_ffmpeg_message(exc))

    thread = threading.Thread(target=run, name=f"hwaccel-probe-{kind}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive() or not outcome:
        return f"did not answer within {timeout:g} s"
    return outcome[0]


def _with_ffmpeg_messages(fn: Callable[[], HwaccelStatus]) -> HwaccelStatus:
    """Run `fn` with FFmpeg's error messages attached to exceptions (PyAV keeps logging off by
    default, and then an error says only "Operation not permitted")."""
    previous = av.logging.get_level()
    if previous is None or previous < av.logging.ERROR:
        av.logging.set_level(av.logging.ERROR)
    try:
        return fn()
    finally:
        av.logging.set_level(previous)


def detect(
    requested: str = "auto",
    *,
    probe: Callable[[str], str | None] = probe_encoder,
    kinds: Sequence[str] = KINDS,
) -> HwaccelStatus:
    """Decide the encoder for `transcoding.hwaccel = requested` by trying the candidates.

    "none" touches no GPU. "auto" tries every kind and uses the first that works (NVENC, then
    Quick Sync, then VA-API). A named kind is used when it works, else libx264 with the reason.
    Blocking (up to PROBE_TIMEOUT per kind): run it in a thread.
    """
    if requested not in CHOICES:
        raise ValueError(f"transcoding.hwaccel must be one of {', '.join(CHOICES)}")
    if requested == "none":
        return HwaccelStatus(
            requested, SOFTWARE["h264"], reason="hardware encoding is turned off (hwaccel none)"
        )

    def run() -> HwaccelStatus:
        failures: dict[str, str] = {}
        available: list[str] = []
        for kind in kinds:
            why = probe(kind)
            if why is None:
                available.append(kind)
            else:
                failures[kind] = why
        return _decide(requested, available, failures)

    return _with_ffmpeg_messages(run)


def _decide(requested: str, available: list[str], failures: dict[str, str]) -> HwaccelStatus:
    software = SOFTWARE["h264"]
    if requested == "auto":
        if available:
            kind = available[0]
            return HwaccelStatus(
                requested,
                H264_ENCODERS[kind],
                available,
                f"auto: {kind} encoded test frames, using {H264_ENCODERS[kind]}",
                failures,
            )
        found = "; ".join(f"{k}: {why}" for k, why in failures.items()) or "none tried"
        return HwaccelStatus(
            requested,
            software,
            available,
            f"no hardware encoder works on this machine ({found}); using {software} (software)",
            failures,
        )
    if requested in available:
        name = H264_ENCODERS[requested]
        return HwaccelStatus(
            requested, name, available, f"{requested} encoded test frames, using {name}", failures
        )
    why = failures.get(requested, "not tried")
    return HwaccelStatus(
        requested,
        software,
        available,
        f"{requested} was requested but does not work here ({why}); "
        f"falling back to {software} (software)",
        failures,
    )


def log_status(status: HwaccelStatus) -> None:
    """The one log line that says which encoder ladders use and, on fallback, why."""
    if status.requested not in ("auto", "none") and status.hardware is None:
        log.warning("hardware encoding: %s", status.reason)
    else:
        log.info("hardware encoding: %s", status.reason)
