"""HDR sources (PQ / HDR10 and HLG) become SDR BT.709 pictures of the right brightness in the
ladder and on the fly, instead of PQ code values shown as if they were SDR (flat and grey)."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.filters.tonemap import map_pixel, nits_to_pq, pq_to_nits
from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline
from mediaserver.media.live.session import LiveSpec, run_live
from tests.media.test_live_engine import Collect

WIDTH, HEIGHT, FPS = 320, 240, 24
REFERENCE_WHITE = 203  # nits: BT.2408's HDR reference (graphics) white
SDR_WHITE_8BIT = 235


def test_the_curve_keeps_black_lifts_reference_white_and_rolls_off_highlights() -> None:
    assert pq_to_nits(nits_to_pq(100)) == pytest.approx(100, rel=1e-6)
    grey = [map_pixel(*(nits_to_pq(n),) * 3, "pq")[0] for n in (0, 1, 10, 100, 203, 1000, 4000)]
    assert grey[0] == 0
    assert grey == sorted(grey)  # brighter in, never darker out
    assert grey[4] > 0.9  # reference white is near SDR white (it was 0.58 as raw PQ)
    assert grey[-1] == grey[-2] == 1.0  # highlights end at white, not beyond
    r, g, b = map_pixel(nits_to_pq(100), 0.0, 0.0, "pq")  # a saturated red stays red
    assert r > 0.5 and g == b == 0
    assert map_pixel(0.75, 0.75, 0.75, "hlg")[0] == pytest.approx(0.95, abs=0.03)  # HLG white


def make_pq_clip(path: Path, nits: float, seconds: float = 2.0) -> Path:
    """10-bit H.264 tagged PQ / BT.2020, every pixel a neutral grey of `nits`."""
    luma = round(64 + 876 * nits_to_pq(nits))  # 10-bit limited range
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p10le"
        ctx = stream.codec_context
        ctx.color_trc, ctx.color_primaries, ctx.colorspace = 16, 9, 9
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p10le")
            frame.planes[0].update(struct.pack("<H", luma) * (frame.planes[0].buffer_size // 2))
            for plane in frame.planes[1:]:
                plane.update(struct.pack("<H", 512) * (plane.buffer_size // 2))
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def mean_luma(data: bytes) -> tuple[float, av.VideoFrame]:
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0))
    plane = frame.planes[0]
    rows = bytes(plane)
    values = [
        rows[y * plane.line_size + x] for y in range(frame.height) for x in range(frame.width)
    ]
    return sum(values) / len(values), frame


@pytest.fixture(scope="module")
def hdr10(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pq_clip(tmp_path_factory.mktemp("hdr") / "hdr10.mkv", REFERENCE_WHITE)


def test_ladder_of_an_hdr10_source_is_sdr_bt709(hdr10: Path, tmp_path: Path) -> None:
    result = build_ladder(hdr10, tmp_path / "out", LadderProfile(preset="ultrafast"))
    rung = tmp_path / "out" / "video" / result.rungs[0].name
    init = (rung / "init.mp4").read_bytes()
    luma, _frame = mean_luma(init + (rung / "seg_00001.m4s").read_bytes())
    assert SDR_WHITE_8BIT - 25 < luma <= SDR_WHITE_8BIT + 2  # untouched it would be ~143
    with av.open(io.BytesIO(init)) as container:
        ctx = container.streams.video[0].codec_context
        assert (ctx.color_trc, ctx.color_primaries, ctx.colorspace) == (1, 1, 1)  # BT.709


def test_on_the_fly_transcode_of_an_hdr10_source_is_sdr(hdr10: Path) -> None:
    plan = plan_rungs(LadderProfile(rungs=("360p",)), WIDTH, HEIGHT)[0]
    spec = LiveSpec(
        hdr10, "transcode", grid_timeline(2.0, 2.0), None, rung=plan, preset="ultrafast"
    )
    hooks = Collect()
    run_live(spec, 0, hooks)
    luma, frame = mean_luma(hooks.init + hooks.segments[0])
    assert frame.format.name == "yuv420p"
    assert SDR_WHITE_8BIT - 25 < luma <= SDR_WHITE_8BIT + 2
