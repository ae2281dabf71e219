"""PGS (Blu-ray .sup) bitmap subtitles for tests, written segment by segment (FFmpeg has a PGS
decoder but no encoder), and an MKV carrying them next to a video and an audio track.

A display set is PCS (composition) + WDS (window) + PDS (palette) + ODS (the run-length encoded
bitmap) + END; an empty PCS + WDS + END clears the screen. Timestamps are 90 kHz.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av

PCS, WDS, PDS, ODS, END = 0x16, 0x17, 0x14, 0x15, 0x80


def _segment(kind: int, pts: int, payload: bytes) -> bytes:
    return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(payload)) + payload


def rle_line(colors: list[int]) -> bytes:
    """One bitmap line in PGS run-length coding, ended by 00 00."""
    out = bytearray()
    i = 0
    while i < len(colors):
        color = colors[i]
        run = 1
        while i + run < len(colors) and colors[i + run] == color and run < 16383:
            run += 1
        if color != 0 and run < 3:
            out += bytes([color]) * run
        elif color == 0:
            out += bytes([0, run]) if run < 64 else bytes([0, 0x40 | run >> 8, run & 0xFF])
        elif run < 64:
            out += bytes([0, 0x80 | run, color])
        else:
            out += bytes([0, 0xC0 | run >> 8, run & 0xFF, color])
        i += run
    return bytes(out) + b"\x00\x00"


def display_set(
    pts: int, screen: tuple[int, int], box: tuple[int, int, int, int], number: int
) -> bytes:
    """Show a white opaque rectangle `box` = (x, y, width, height) from `pts` on."""
    width, height = screen
    x, y, w, h = box
    pcs = struct.pack(">HHBHBBBB", width, height, 0x10, number, 0x80, 0, 0, 1)
    pcs += struct.pack(">HBBHH", 0, 0, 0, x, y)
    wds = struct.pack(">BBHHHH", 1, 0, x, y, w, h)
    # Palette 0: entry 1 is white (Y=235, Cr=Cb=128), fully opaque; entry 0 stays transparent.
    pds = struct.pack(">BB", 0, 0) + bytes([1, 235, 128, 128, 255])
    bitmap = b"".join(rle_line([1] * w) for _ in range(h))
    data = struct.pack(">HH", w, h) + bitmap
    ods = struct.pack(">HBB", 0, 0, 0xC0) + len(data).to_bytes(3, "big") + data
    return b"".join(
        (
            _segment(PCS, pts, pcs),
            _segment(WDS, pts, wds),
            _segment(PDS, pts, pds),
            _segment(ODS, pts, ods),
            _segment(END, pts, b""),
        )
    )


def clear_set(pts: int, screen: tuple[int, int], box: tuple[int, int, int, int], number: int):
    width, height = screen
    x, y, w, h = box
    pcs = struct.pack(">HHBHBBBB", width, height, 0x10, number, 0x00, 0, 0, 0)
    wds = struct.pack(">BBHHHH", 1, 0, x, y, w, h)
    return _segment(PCS, pts, pcs) + _segment(WDS, pts, wds) + _segment(END, pts, b"")


def write_sup(
    path: Path,
    screen: tuple[int, int],
    box: tuple[int, int, int, int],
    cues: list[tuple[float, float]],
) -> Path:
    """A .sup file showing `box` during each (start, end) in seconds."""
    data = b""
    for n, (start, end) in enumerate(cues):
        data += display_set(round(start * 90_000), screen, box, 2 * n)
        data += clear_set(round(end * 90_000), screen, box, 2 * n + 1)
    path.write_bytes(data)
    return path


def make_pgs_clip(
    path: Path,
    *,
    seconds: float = 4.0,
    size: tuple[int, int] = (320, 180),
    box: tuple[int, int, int, int] = (80, 140, 160, 24),
    cues: tuple[tuple[float, float], ...] = ((0.5, 2.5),),
    fps: int = 24,
) -> Path:
    """An MKV: dark H.264 video (stream 0), silent AAC (1), a PGS track (2) with `cues`. The
    video and audio are encoded with PyAV; the .sup is demuxed and its packets copied in."""
    sup = write_sup(path.with_suffix(".sup"), size, box, list(cues))
    width, height = size
    with av.open(str(sup)) as subs, av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream(
            "libx264",
            rate=fps,
            options={"preset": "ultrafast", "g": str(fps), "x264-params": "scenecut=0"},
        )
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        source = subs.streams.subtitles[0]
        pgs = out.add_stream_from_template(source)
        pgs.metadata["language"] = "fre"
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame(width, height, "yuv420p")
            for n, plane in enumerate(frame.planes):
                plane.update(bytes([16 if n == 0 else 128]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        frame_size = sound.codec_context.frame_size or 1024
        for i in range(int(seconds * 48000 / frame_size)):
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=frame_size)
            for plane in frame.planes:
                plane.update(b"\x00" * plane.buffer_size)
            frame.sample_rate, frame.pts = 48000, i * frame_size
            frame.time_base = Fraction(1, 48000)
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
        for packet in subs.demux(source):
            if packet.size == 0:
                continue
            packet.stream = pgs
            out.mux(packet)
    sup.unlink()
    return path


def make_vobsub_clip(pgs_clip: Path, path: Path) -> Path:
    """The same clip with the PGS track turned into VobSub (dvd_subtitle: 4 colours from a
    16-colour palette in the extradata) by the ffmpeg CLI, which can re-encode bitmap
    subtitles (PyAV cannot build bitmap rects to encode)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileNotFoundError("the ffmpeg CLI is needed to make VobSub test media")
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-fix_sub_duration", "-i", str(pgs_clip), "-map", "0",
         "-c:v", "copy", "-c:a", "copy", "-c:s", "dvdsub", str(path)],
        check=True,
    )  # fmt: skip
    return path
