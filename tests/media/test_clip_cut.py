"""Cutting clips with PyAV alone: the clip starts and ends on the chosen frames, the GOPs inside
the range are copied byte for byte (only the cut edges are encoded again), and sources that
cannot be copied are re-encoded whole."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PIL import Image, ImageStat

from mediaserver.media.clips import ClipCutError, cut_clip
from mediaserver.media.clips.segments import playlist_segments, segments_for_range
from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from tests.media_factory import make_video

FPS = 24


def level(frame: av.VideoFrame) -> int:
    """The test pattern: frame i is filled with luma (i * 7) % 200 + 16."""
    plane = frame.planes[0]
    data, stride = bytes(plane), plane.line_size
    rows = [data[y * stride : y * stride + plane.width] for y in range(0, plane.height, 8)]
    sample = b"".join(rows)
    return round(sum(sample) / len(sample))


def expected(index: int) -> int:
    return (index * 7) % 200 + 16


def levels(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [level(f) for f in container.decode(video=0)]


def check(path: Path, start: float, end: float, tolerance: int = 2) -> None:
    """Exactly the frames of [start, end), none lost or repeated (a lossy source: `tolerance`)."""
    found = levels(path)
    first, last = round(start * FPS), round(end * FPS) - 1
    assert len(found) == last - first + 1
    assert abs(found[0] - expected(first)) <= tolerance
    assert abs(found[-1] - expected(last)) <= tolerance
    assert all(abs((b - a) % 200 - 7) <= tolerance for a, b in zip(found, found[1:], strict=False))


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ladder")
    source = make_video(folder / "src.mkv", seconds=16, width=320, height=240, fps=FPS,
                        subtitle_tracks=())  # fmt: skip
    build_ladder(source, folder / "out", LadderProfile(preset="ultrafast", rungs=("360p",)))
    return folder


def joined(ladder: Path, kind: str, start: float, end: float, target: Path) -> Path:
    folder = next((ladder / "out" / kind).iterdir())
    refs = playlist_segments((folder / "index.m3u8").read_text())
    parts = [(folder / s.uri).read_bytes() for s in segments_for_range(refs, start, end)]
    target.write_bytes((folder / "init.mp4").read_bytes() + b"".join(parts))
    return target


@pytest.mark.parametrize(("start", "end"), [(3.25, 10.5), (4.0, 12.0), (0.5, 1.5), (2.0, 15.9)])
def test_a_packaged_cut_is_frame_accurate(ladder: Path, tmp_path: Path, start, end) -> None:
    video = joined(ladder, "video", start, end, tmp_path / "v.mp4")
    audio = joined(ladder, "audio", start, end, tmp_path / "a.mp4")
    result = cut_clip(video, start, end, tmp_path / "clip", audio=audio, origin=0.0)
    check(result.mp4, start, end)
    check(result.playlist, start, end)  # the HLS playlist plays the same frames
    assert result.audio_copied
    with av.open(str(result.mp4)) as container:
        first = next(container.decode(video=0)).to_image().convert("L")
        assert container.streams.audio and container.streams.video[0].codec_context.name == "h264"
    # The poster is the clip's first frame (taken from the edge the cut decoded, or from the
    # first copied keyframe when the clip starts on one).
    with Image.open(result.poster) as poster:
        assert poster.format == "JPEG"
        assert abs(ImageStat.Stat(poster.convert("L")).mean[0] - ImageStat.Stat(first).mean[0]) < 3


def test_inside_gops_are_copied_and_only_the_edges_encoded(ladder: Path, tmp_path: Path) -> None:
    start, end = 3.25, 10.5
    video = joined(ladder, "video", start, end, tmp_path / "v.mp4")
    result = cut_clip(video, start, end, tmp_path / "clip", origin=0.0)
    frames = round((end - start) * FPS)
    # GOPs of 2 s: 4.0 .. 10.0 copied (144 frames), 3.25 .. 4.0 and 10.0 .. 10.5 encoded.
    assert result.copied_packets == 144
    assert result.encoded_frames == frames - 144
    with av.open(str(video)) as src:
        original = {p.pts: bytes(p) for p in src.demux(video=0) if p.size}
    with av.open(str(result.mp4)) as out:
        copied = [bytes(p) for p in out.demux(video=0) if p.size]
    assert sum(1 for data in copied if data in original.values()) == 144


def test_a_source_is_cut_from_its_keyframes(tmp_path: Path) -> None:
    source = make_video(tmp_path / "s.mp4", seconds=6, width=320, height=240, fps=FPS,
                        container="mp4", subtitle_tracks=())  # fmt: skip
    result = cut_clip(source, 1.5, 5.0, tmp_path / "clip")
    check(result.mp4, 1.5, 5.0)


def test_a_source_that_cannot_be_copied_is_reencoded(tmp_path: Path) -> None:
    source = make_video(tmp_path / "s.mkv", seconds=4, width=320, height=240, fps=FPS,
                        video_codec="mpeg4", subtitle_tracks=())  # fmt: skip
    result = cut_clip(source, 0.5, 2.5, tmp_path / "clip")
    assert result.copied_packets == 0 and result.encoded_frames == 48
    check(result.mp4, 0.5, 2.5, tolerance=5)  # mpeg4 at its default quality
    with av.open(str(result.mp4)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_a_range_with_no_frames_is_refused(tmp_path: Path) -> None:
    source = make_video(tmp_path / "s.mkv", seconds=2, fps=FPS, subtitle_tracks=())
    with pytest.raises(ClipCutError):
        cut_clip(source, 1.0, 1.0, tmp_path / "clip")
    with pytest.raises(ClipCutError):
        cut_clip(source, 5.0, 6.0, tmp_path / "clip")
