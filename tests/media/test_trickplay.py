"""Trickplay: a tile per interval on JPEG sprite sheets and a WebVTT track pointing into them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from mediaserver.media.sniff import MediaRejected
from mediaserver.media.trickplay import make_trickplay, sheet_size
from tests.media.scenes import make_scenes
from tests.media_factory import make_audio_only

CUE = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n"
    r"(sprite_\d{3}\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$"
)


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def read_cues(vtt: Path) -> list[tuple[float, float, str, int, int, int, int]]:
    text = vtt.read_text("utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n") :].strip().split("\n\n"):
        match = CUE.match(block)
        assert match, block
        g = match.groups()
        cues.append(
            (
                seconds(*g[0:4]),
                seconds(*g[4:8]),
                g[8],
                int(g[9]),
                int(g[10]),
                int(g[11]),
                int(g[12]),
            )
        )
    return cues


def check_track(out: Path, result, duration: float) -> list:
    cues = read_cues(out / result.vtt_name)
    assert len(cues) == result.tile_count == math.ceil(duration / 10)
    assert cues[0][0] == 0.0
    assert cues[-1][1] == pytest.approx(duration, abs=0.01)
    for before, after in zip(cues, cues[1:], strict=False):
        assert before[1] == after[0]  # contiguous
    sizes = {}
    for name in result.sheets:
        with Image.open(out / name) as sheet:
            sheet.load()
            assert sheet.format == "JPEG"
            sizes[name] = sheet.size
    assert {c[2] for c in cues} == set(result.sheets)
    for _start, _end, name, x, y, w, h in cues:
        assert (w, h) == (result.tile_width, result.tile_height)
        assert x + w <= sizes[name][0] and y + h <= sizes[name][1]
    return cues


def tile(out: Path, cue: tuple) -> Image.Image:
    _s, _e, name, x, y, w, h = cue
    with Image.open(out / name) as sheet:
        return sheet.convert("RGB").crop((x, y, x + w, y + h))


def test_default_grid_one_sheet(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "v.mp4", [("detailed", 125.0)], fps=2, gop=4)
    out = tmp_path / "tp"
    result = make_trickplay(video, out)
    assert (result.tile_width, result.tile_height, result.tile_count) == (320, 180, 13)
    assert result.sheets == ["sprite_001.jpg"]
    with Image.open(out / "sprite_001.jpg") as sheet:
        assert sheet.size == (3200, 360)  # 10 columns, the 2 rows it needs
    cues = check_track(out, result, 125.0)
    assert cues[12][3:5] == (640, 180)  # 13th tile: row 2, column 3


def test_several_sheets_and_the_right_pictures(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "v.mp4", [("detailed", 20.0), ("marker", 25.5)], fps=4, gop=8)
    out = tmp_path / "tp"
    progress: list[float] = []
    result = make_trickplay(video, out, columns=2, rows=2, progress=progress.append)
    assert result.sheets == ["sprite_001.jpg", "sprite_002.jpg"]
    assert progress[-1] == 1.0 and len(progress) == 5
    with Image.open(out / "sprite_001.jpg") as first, Image.open(out / "sprite_002.jpg") as last:
        assert first.size == (640, 360) and last.size == (320, 180)
    cues = check_track(out, result, 45.5)
    assert cues[4][2:5] == ("sprite_002.jpg", 0, 0)
    for index in (2, 3, 4):  # 20 s and later: the red | blue marker
        left, right = (
            tile(out, cues[index]).getpixel((40, 90)),
            tile(out, cues[index]).getpixel((280, 90)),
        )
        assert left[0] > 200 > left[2] and right[2] > 200 > right[0]


def test_long_gop_tiles_do_not_repeat(tmp_path: Path) -> None:
    """One keyframe for the whole clip: tiles must still show their own time, not the first."""
    video = make_scenes(
        tmp_path / "v.mp4",
        [("black", 10.0), ("flat", 10.0), ("marker", 10.0)],
        fps=4,
        gop=1000,
    )
    out = tmp_path / "tp"
    result = make_trickplay(video, out)
    cues = check_track(out, result, 30.0)
    means = [ImageStat.Stat(tile(out, cue)).mean for cue in cues]
    assert max(means[0]) < 20  # black
    assert all(abs(v - 128) < 12 for v in means[1])  # grey
    assert means[2][0] > 100 and means[2][2] > 100 and means[2][1] < 40  # red | blue


def test_rotation_and_tall_tiles(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "v.mp4", [("marker", 12.0)], fps=4, rotation=90)
    out = tmp_path / "tp"
    result = make_trickplay(video, out)
    assert (result.tile_width, result.tile_height, result.tile_count) == (320, 569, 2)
    cues = check_track(out, result, 12.0)
    picture = tile(out, cues[0])
    assert picture.getpixel((160, 40))[0] > 200 and picture.getpixel((160, 520))[2] > 200


def test_sheet_size() -> None:
    assert sheet_size(250, (320, 180), 10, 10) == (3200, 1800)
    assert sheet_size(15, (320, 180), 10, 10) == (3200, 360)
    assert sheet_size(3, (320, 180), 10, 10) == (960, 180)


def test_progress_can_cancel(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "v.mp4", [("detailed", 30.0)], fps=2)

    class Cancelled(Exception):
        pass

    def stop(fraction: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        make_trickplay(video, tmp_path / "tp", progress=stop)


def test_audio_only_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="no video stream"):
        make_trickplay(make_audio_only(tmp_path / "a.mp4"), tmp_path / "tp")
