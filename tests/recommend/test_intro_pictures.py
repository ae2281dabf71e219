"""Credits from the pictures: an episode whose end shares no sound with its season still gets
Skip Credits when its closing pictures are dark (text on black)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from mediaserver.recommend.intro.pictures import credits_from_pictures

FPS = 5


def make_episode(path: Path, seconds: int, credits_from: int | None) -> Path:
    """A small video: busy bright pictures, then (from `credits_from`) white lines on black."""
    rng = np.random.default_rng(4)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.codec_context.gop_size = FPS  # a keyframe a second
        stream.options = {"preset": "ultrafast"}
        for i in range(seconds * FPS):
            if credits_from is not None and i >= credits_from * FPS:
                img = np.zeros((96, 160, 3), np.uint8)
                for row in range(10 + (i % 12), 96, 14):
                    img[row : row + 3, 40:120] = 230  # a line of text
            else:
                img = rng.integers(60, 255, size=(96, 160, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_dark_closing_pictures_are_credits(tmp_path: Path) -> None:
    path = make_episode(tmp_path / "e1.mkv", 60, credits_from=44)
    found = credits_from_pictures(path, 60.0, 30.0, 10.0)
    assert found is not None and abs(found - 44) <= 1.0


def test_no_credits_where_the_pictures_stay_busy(tmp_path: Path) -> None:
    path = make_episode(tmp_path / "e2.mkv", 40, credits_from=None)
    assert credits_from_pictures(path, 40.0, 20.0, 5.0) is None
    short = make_episode(tmp_path / "e3.mkv", 40, credits_from=37)  # 3 s: too short
    assert credits_from_pictures(short, 40.0, 20.0, 5.0) is None
