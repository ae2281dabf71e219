"""HDR to SDR: PQ (HDR10) and HLG pictures tone mapped to BT.709 for the 8-bit H.264 we encode.

Without this, an HDR source's 10-bit PQ code values would be read as if they were SDR: a flat,
grey, washed-out picture. PyAV's FFmpeg has no zscale or libplacebo, so the mapping is a 3D LUT
(FFmpeg's lut3d filter) that we compute once per transfer and write as a .cube file:

    BT.2020 R'G'B' (PQ or HLG coded) -> linear light in nits -> BT.709 primaries
    -> BT.2390 EETF on the brightest channel (hue kept), from an assumed 1000-nit master
       to a 100-nit SDR display -> BT.1886 (gamma 2.4) coding -> R'G'B' in [0, 1]

A frame goes YUV -> 16-bit RGB (swscale, BT.2020 matrix) -> lut3d (tetrahedral) -> 8-bit YUV
4:2:0 (BT.709 matrix, limited range), after which it is an ordinary SDR frame for every rung.
The LUT is indexed in the coded (perceptually even) domain, so 33 points a side are plenty.
Filter names, options and the LUT's path are ours, never a request's (docs/security.md, encoder
option injection).
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import tempfile
import threading
from fractions import Fraction
from pathlib import Path

import av
import av.filter
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from mediaserver.media.filters.chain import build_chain

PQ, HLG = 16, 18  # AVColorTransferCharacteristic
TRANSFERS = {PQ: "pq", HLG: "hlg"}
BT709 = 1  # primaries, transfer and matrix all code 1: the tags for what we output
LUT_SIZE = 33
SOURCE_PEAK = 1000.0  # nits: HDR10 masters are mostly graded to 1000; HLG's nominal peak
TARGET_PEAK = 100.0  # nits: an SDR display
LUT_VERSION = 1  # part of the file name

# SMPTE ST 2084 (PQ) constants
M1, M2 = 2610 / 16384, 2523 / 4096 * 128
C1, C2, C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
# ARIB STD-B67 (HLG) constants
HLG_A = 0.17883277
HLG_B = 1 - 4 * HLG_A
HLG_C = 0.5 - HLG_A * math.log(4 * HLG_A)
# Linear BT.2020 RGB -> linear BT.709 RGB (ITU-R BT.2087)
BT2020_TO_BT709 = (
    (1.6605, -0.5876, -0.0728),
    (-0.1246, 1.1329, -0.0083),
    (-0.0182, -0.1006, 1.1187),
)


def pq_to_nits(coded: float) -> float:
    power = max(coded, 0.0) ** (1 / M2)
    return 10000.0 * (max(power - C1, 0.0) / (C2 - C3 * power)) ** (1 / M1)


def nits_to_pq(nits: float) -> float:
    y = max(nits, 0.0) / 10000.0
    power = y**M1
    return ((C1 + C2 * power) / (1 + C3 * power)) ** M2


def hlg_to_scene(coded: float) -> float:
    """HLG inverse OETF: coded value -> scene light in [0, 1]."""
    if coded <= 0.5:
        return coded * coded / 3
    return (math.exp((coded - HLG_C) / HLG_A) + HLG_B) / 12


def eetf(nits: float) -> float:
    """ITU-R BT.2390 EETF: SOURCE_PEAK-nit light onto a TARGET_PEAK-nit display, in PQ space:
    linear below the knee, a Hermite roll-off above it, nothing above the target peak."""
    top = nits_to_pq(SOURCE_PEAK)
    e1 = min(nits_to_pq(nits) / top, 1.0)
    max_lum = nits_to_pq(TARGET_PEAK) / top
    knee = 1.5 * max_lum - 0.5
    if e1 > knee:
        t = (e1 - knee) / (1 - knee)
        e1 = (
            (2 * t**3 - 3 * t**2 + 1) * knee
            + (t**3 - 2 * t**2 + t) * (1 - knee)
            + (-2 * t**3 + 3 * t**2) * max_lum
        )
    return pq_to_nits(e1 * top)


def map_pixel(r: float, g: float, b: float, transfer: str) -> tuple[float, float, float]:
    """One coded BT.2020 HDR colour -> coded BT.709 SDR colour, every value in [0, 1]."""
    if transfer == "pq":
        light = [pq_to_nits(v) for v in (r, g, b)]
    else:  # HLG: scene light, then the OOTF (system gamma 1.2) of a SOURCE_PEAK display
        scene = [hlg_to_scene(v) for v in (r, g, b)]
        luma = 0.2627 * scene[0] + 0.6780 * scene[1] + 0.0593 * scene[2]
        gain = SOURCE_PEAK * luma**0.2 if luma > 0 else 0.0
        light = [gain * v for v in scene]
    light = [
        max(0.0, sum(k * v for k, v in zip(row, light, strict=True))) for row in BT2020_TO_BT709
    ]
    brightest = max(light)
    scale = eetf(brightest) / brightest if brightest > 1e-6 else 0.0
    return tuple(min(1.0, v * scale / TARGET_PEAK) ** (1 / 2.4) for v in light)  # type: ignore[return-value]


def cube_text(transfer: str, size: int = LUT_SIZE) -> str:
    """The LUT in the .cube format (red varies fastest)."""
    lines = [f'TITLE "mediaserver {transfer} to sdr v{LUT_VERSION}"', f"LUT_3D_SIZE {size}"]
    step = 1 / (size - 1)
    for bi in range(size):
        for gi in range(size):
            for ri in range(size):
                out = map_pixel(ri * step, gi * step, bi * step, transfer)
                lines.append(" ".join(f"{v:.6f}" for v in out))
    return "\n".join(lines) + "\n"


_lock = threading.Lock()
_folder: Path | None = None


def cube_path(transfer: str) -> Path:
    """The LUT file for `transfer`, written once per process into a private temporary folder
    (mode 0700, removed at exit): a shared, guessable path could be planted by another user."""
    global _folder
    with _lock:
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="mediaserver-luts-"))
            atexit.register(shutil.rmtree, _folder, True)
        path = _folder / f"{transfer}-to-sdr-{LUT_SIZE}-v{LUT_VERSION}.cube"
        if not path.is_file():
            partial = _folder / f".{path.name}.partial"
            partial.write_text(cube_text(transfer), encoding="ascii")
            os.replace(partial, path)
    return path


class ToneMapper:
    """Call with each decoded HDR frame; returns an 8-bit 4:2:0 BT.709 SDR frame with the same
    timestamp. One per stream (the filter graph is rebuilt if the picture size changes)."""

    def __init__(self, transfer: int) -> None:
        self.cube = str(cube_path(TRANSFERS[transfer]))
        self.to_rgb = VideoReformatter()
        self.to_yuv = VideoReformatter()
        self.graph: av.filter.Graph | None = None
        self.source = None
        self.size: tuple[int, int] | None = None

    def _build(self, width: int, height: int) -> None:
        lut = ("lut3d", {"file": self.cube, "interp": "tetrahedral"})
        self.graph, self.source = build_chain(width, height, "gbrp16le", Fraction(1, 90_000), [lut])
        self.size = (width, height)

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        if self.size != (frame.width, frame.height):
            self._build(frame.width, frame.height)
        rgb = self.to_rgb.reformat(
            frame,
            format="gbrp16le",
            src_colorspace=Colorspace.BT2020,
            src_color_range=frame.color_range or ColorRange.MPEG,
        )
        rgb.pts, rgb.time_base = None, Fraction(1, 90_000)
        self.source.push(rgb)
        mapped = self.graph.vpull()
        sdr = self.to_yuv.reformat(
            mapped,
            format="yuv420p",
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
        )
        sdr.pts = frame.pts
        if frame.time_base is not None:
            sdr.time_base = frame.time_base
        return sdr
