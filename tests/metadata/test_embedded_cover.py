"""Cover art embedded in files, as posters for titles no provider knows: an MP4 `covr` (an
attached picture) and a Matroska attachment; else a still of the video."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import av.stream
from PIL import Image

from mediaserver.metadata.fallback_art import embedded_cover, video_still
from tests.media_factory import make_video


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 60), color).save(out, "JPEG")
    return out.getvalue()


def _mp4_with_covr(path: Path, cover: bytes) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=12)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        art = out.add_stream("mjpeg")
        art.width, art.height, art.pix_fmt = 40, 60, "yuvj420p"
        art.disposition = av.stream.Disposition.attached_pic
        for i in range(6):
            frame = av.VideoFrame(64, 48, "yuv420p")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        packet = av.Packet(cover)
        packet.stream, packet.pts, packet.dts = art, 0, 0
        packet.time_base = Fraction(1, 90000)
        out.mux(packet)
    return path


def test_mp4_covr_and_matroska_attachment_are_found(tmp_path: Path) -> None:
    red, blue = _jpeg((220, 10, 10)), _jpeg((10, 10, 220))
    mp4 = _mp4_with_covr(tmp_path / "a.mp4", red)
    assert embedded_cover(mp4) == red
    attached = [("cover.jpg", "image/jpeg", blue)]
    mkv = make_video(tmp_path / "b.mkv", seconds=0.5, width=64, height=48, audio_tracks=(),
                     subtitle_tracks=(), attachments=attached)  # fmt: skip
    assert embedded_cover(mkv) == blue


def test_a_file_without_cover_art_gives_a_still(tmp_path: Path) -> None:
    plain = make_video(tmp_path / "c.mkv", seconds=0.5, width=64, height=48, audio_tracks=(),
                       subtitle_tracks=())  # fmt: skip
    assert embedded_cover(plain) is None
    still = video_still(plain)
    assert still is not None and still[:3] == b"\xff\xd8\xff"
    (tmp_path / "junk.mkv").write_bytes(b"not a video at all")
    assert embedded_cover(tmp_path / "junk.mkv") is None
    assert video_still(tmp_path / "junk.mkv") is None
