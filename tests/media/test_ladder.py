"""Rung selection and the ladder for awkward sources: never upscaled, odd sizes, rotation,
anamorphic, 10-bit and 4:2:2, 5.1, audio-only, video-only, short clips, variable frame rate,
damaged files, cancellation, HEVC."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import m3u8
import pytest

from mediaserver.media.ladder.build import LadderCancelled, LadderError, build_ladder
from mediaserver.media.ladder.rungs import LadderProfile, display_size, encoder_threads, plan_rungs
from tests.media.ladder_checks import check_media_playlist, check_mpd
from tests.media_factory import make_audio_only, make_truncated, make_video

# -- rung selection (no encoding) ------------------------------------------------------------


def sizes(plans) -> list[tuple[str, int, int]]:
    return [(p.name, p.width, p.height) for p in plans]


def test_full_hd_source_gets_the_h264_ladder() -> None:
    plans = plan_rungs(LadderProfile(), 1920, 1080, frame_rate=30)
    assert sizes(plans) == [
        ("1080p", 1920, 1080),
        ("720p", 1280, 720),
        ("480p", 854, 480),
        ("360p", 640, 360),
    ]
    assert [p.bitrate for p in plans] == [6_000_000, 3_000_000, 1_200_000, 700_000]
    for plan in plans:
        assert plan.maxrate == plan.bitrate * 1.5 and plan.bufsize == plan.bitrate * 2


def test_2160p_only_with_hevc() -> None:
    assert plan_rungs(LadderProfile(), 3840, 2160)[0].name == "1080p"
    hevc = plan_rungs(LadderProfile(codec="hevc"), 3840, 2160)
    assert sizes(hevc)[0] == ("2160p", 3840, 2160)
    assert hevc[0].bitrate == 12_000_000


def test_never_upscaled() -> None:
    assert sizes(plan_rungs(LadderProfile(), 640, 360)) == [("360p", 640, 360)]
    assert sizes(plan_rungs(LadderProfile(), 320, 240)) == [("360p", 320, 240)]
    plans = plan_rungs(LadderProfile(), 1000, 560)  # between 480p and 720p
    assert sizes(plans) == [("720p", 1000, 560), ("480p", 854, 478), ("360p", 640, 358)]
    assert 1_200_000 < plans[0].bitrate < 3_000_000


def test_odd_size_becomes_even_with_the_same_aspect() -> None:
    plans = plan_rungs(LadderProfile(), 1917, 803)
    for plan in plans:
        assert plan.width % 2 == 0 and plan.height % 2 == 0
        assert plan.width / plan.height == pytest.approx(1917 / 803, rel=0.01)
    assert sizes(plans)[0] == ("1080p", 1916, 804)


def test_rotation_and_anamorphic() -> None:
    portrait = plan_rungs(LadderProfile(), 1920, 1080, rotation=90)
    assert sizes(portrait)[:2] == [("1080p", 1080, 1920), ("720p", 720, 1280)]
    assert display_size(720, 480, "32:27") == pytest.approx((853.33, 480), abs=0.01)
    assert sizes(plan_rungs(LadderProfile(), 720, 480, sample_aspect="32:27")) == [
        ("480p", 854, 480),
        ("360p", 640, 360),
    ]
    # SAR 4:3 on 720x480 is a 2:1 picture, 960x480: wider than the 480p box, so the top rung
    # sits in the 720p slot at the source's own size
    assert sizes(plan_rungs(LadderProfile(), 720, 480, sample_aspect="4:3"))[:2] == [
        ("720p", 960, 480),
        ("480p", 854, 426),
    ]


def test_high_frame_rate_gets_more_bits() -> None:
    assert plan_rungs(LadderProfile(), 1280, 720, frame_rate=60)[0].bitrate == 4_500_000


def test_profile_is_validated() -> None:
    for bad in (
        {"codec": "vp9"},
        {"preset": "placebo; rm -rf /"},
        {"rungs": ("1080p", "999p")},
        {"rungs": ()},
        {"gop_seconds": 3.0},
        {"segment_seconds": 5.0},  # not a multiple of the 2 s GOP
        {"segment_seconds": 12.0},
    ):
        with pytest.raises(ValueError):
            LadderProfile(**bad)
    settings = SimpleNamespace(
        codec="hevc",
        preset="fast",
        rungs=["720p", "360p"],
        segment_seconds=6,
        gop_seconds=2,
        surround=True,
    )
    profile = LadderProfile.from_settings(settings)
    assert profile.rungs == ("720p", "360p") and profile.segment_seconds == 6.0
    assert profile.encoder == "libx265"


# -- awkward sources, really encoded -------------------------------------------------------


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ladder")


def _build(source: Path, out: Path, **kwargs):
    return build_ladder(source, out, kwargs.pop("profile", LadderProfile()), **kwargs)


def _video_segments(out: Path, rung: str):
    return check_media_playlist(out, f"video/{rung}/index.m3u8")


def _write_custom(
    path: Path,
    pts_ms: list[int],
    *,
    width: int,
    height: int,
    sar: Fraction | None = None,
) -> Path:
    """An MKV whose frames have the given timestamps (ms) and, optionally, a sample aspect."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        if sar is not None:
            stream.codec_context.sample_aspect_ratio = sar
        for i, pts in enumerate(pts_ms):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 20]) * plane.buffer_size)
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def test_rotated_source_becomes_portrait(root: Path) -> None:
    source = make_video(
        root / "rot.mp4", container="mp4", seconds=2, width=640, height=360, rotation=90
    )
    result = _build(source, root / "rot")
    assert [(r.width, r.height) for r in result.rungs] == [(360, 640)]
    assert {(s.width, s.height) for s in _video_segments(root / "rot", "360p")} == {(360, 640)}


def test_odd_sized_source(root: Path) -> None:
    source = make_video(root / "odd.mkv", seconds=1, width=1917, height=803, audio_tracks=())
    out = root / "odd"
    result = _build(source, out)
    assert [r.name for r in result.rungs] == ["1080p", "720p", "480p", "360p"]
    for rung in result.rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert rung.width / rung.height == pytest.approx(1917 / 803, rel=0.01)
        assert {(s.width, s.height) for s in _video_segments(out, rung.name)} == {
            (rung.width, rung.height)
        }


def test_anamorphic_source_becomes_square_pixels(root: Path) -> None:
    source = _write_custom(
        root / "ana.mkv", [i * 40 for i in range(50)], width=720, height=480, sar=Fraction(32, 27)
    )
    out = root / "ana"
    result = _build(source, out)
    assert [(r.name, r.width, r.height) for r in result.rungs] == [
        ("480p", 854, 480),
        ("360p", 640, 360),
    ]
    master = m3u8.load(str(out / "master.m3u8"))
    assert {p.stream_info.resolution for p in master.playlists} == {(854, 480), (640, 360)}


@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv422p"])
def test_high_bit_depth_and_422_become_8bit_420_high(root: Path, pix_fmt: str) -> None:
    source = make_video(root / f"{pix_fmt}.mkv", seconds=1, width=640, height=360, pix_fmt=pix_fmt)
    out = root / pix_fmt
    result = _build(source, out)
    assert result.rungs[0].codecs.startswith("avc1.64")
    for segment in _video_segments(out, "360p"):
        assert segment.pix_fmt == "yuv420p" and segment.profile == "High"


def _write_surround(path: Path, tracks: list[tuple[str, str]], seconds: float) -> Path:
    """An MKV with PCM audio tracks of these (language, layout), e.g. ("eng", "7.1"); packed
    samples (one plane), a gentle tone so encoders have something to code."""
    with av.open(str(path), "w", format="matroska") as out:
        streams = []
        for lang, layout in tracks:
            stream = out.add_stream("pcm_s16le", rate=48000)
            stream.layout = layout
            stream.metadata["language"] = lang
            streams.append(stream)
        for stream in streams:
            channels = stream.codec_context.layout.nb_channels
            for start in range(0, int(48000 * seconds), 1024):
                frame = av.AudioFrame(format="s16", layout=stream.layout.name, samples=1024)
                level = (start // 1024) % 2 * 2000
                frame.planes[0].update(level.to_bytes(2, "little", signed=True) * 1024 * channels)
                frame.sample_rate = 48000
                frame.pts = start
                out.mux(stream.encode(frame))
            out.mux(stream.encode())
    return path


def test_surround_audio(root: Path) -> None:
    source = _write_surround(root / "51.mkv", [("ger", "5.1"), ("eng", "7.1")], 2.0)
    stereo_only = _build(source, root / "51-stereo")
    assert [(a.name, a.channels) for a in stereo_only.audio] == [("1_de_2ch", 2), ("2_en_2ch", 2)]
    both = _build(source, root / "51-both", profile=LadderProfile(surround=True))
    assert [(a.name, a.channels) for a in both.audio] == [
        ("1_de_2ch", 2),
        ("1_de_6ch", 6),
        ("2_en_2ch", 2),
        ("2_en_6ch", 6),  # 7.1 is made 5.1
    ]
    for track in both.audio:
        decoded = check_media_playlist(root / "51-both", f"audio/{track.name}/index.m3u8")
        assert {d.channels for d in decoded} == {track.channels}


def test_audio_only_source(root: Path) -> None:
    source = make_audio_only(root / "song.mp4", seconds=5, channels=2, language="fre")
    out = root / "song"
    result = _build(source, out)
    assert result.rungs == () and [a.name for a in result.audio] == ["1_fr_2ch"]
    master = m3u8.load(str(out / "master.m3u8"))
    assert [p.uri for p in master.playlists] == ["audio/1_fr_2ch/index.m3u8"]
    assert master.playlists[0].stream_info.codecs == "mp4a.40.2"
    assert not master.iframe_playlists
    decoded = check_media_playlist(out, "audio/1_fr_2ch/index.m3u8")
    assert sum(d.duration for d in decoded) == pytest.approx(5.0, abs=0.05)
    check_mpd(out)


def test_video_only_source(root: Path) -> None:
    source = make_video(root / "silent.mkv", seconds=2, audio_tracks=())
    out = root / "silent"
    result = _build(source, out)
    assert result.audio == () and len(result.rungs) == 1
    master = m3u8.load(str(out / "master.m3u8"))
    assert [p.stream_info.audio for p in master.playlists] == [None]
    assert master.playlists[0].stream_info.codecs.startswith("avc1.")
    assert sum(s.frames for s in _video_segments(out, "360p")) == 48
    check_mpd(out)


def test_clip_shorter_than_one_segment(root: Path) -> None:
    source = make_video(root / "short.mkv", seconds=0.5, fps=24)
    out = root / "short"
    result = _build(source, out)
    assert result.rungs[0].segment_count == 1
    (segment,) = _video_segments(out, "360p")
    assert segment.frames == 12 and segment.extinf == pytest.approx(0.5, abs=1 / 24)


def test_variable_frame_rate_keeps_timestamps_and_alignment(root: Path) -> None:
    pts, t = [], 0
    for i in range(150):  # 6 s, frames 20 ms and 60 ms apart in turn
        pts.append(t)
        t += 20 if i % 2 else 60
    source = _write_custom(root / "vfr.mkv", pts, width=854, height=480)
    out = root / "vfr"
    result = _build(source, out)
    assert [r.name for r in result.rungs] == ["480p", "360p"]
    starts = {}
    for rung in result.rungs:
        decoded = _video_segments(out, rung.name)
        assert sum(d.frames for d in decoded) == len(pts)
        assert all(d.first_is_key for d in decoded)
        starts[rung.name] = [round(d.start, 6) for d in decoded]
        total = sum(d.extinf for d in decoded)
        assert total == pytest.approx((pts[-1] + 20) / 1000, abs=0.061)
    assert starts["480p"] == starts["360p"] and len(starts["480p"]) == 2


def test_truncated_source_is_a_clear_error(root: Path) -> None:
    source = make_video(root / "full.mp4", container="mp4", seconds=4)
    cut = make_truncated(source, root / "cut.mp4", os.path.getsize(source) // 2)
    with pytest.raises(LadderError) as caught:
        _build(cut, root / "cut")
    assert "truncated" in caught.value.reason


def test_truncated_avi_is_caught_by_its_frame_count(root: Path) -> None:
    source = make_video(root / "full.avi", container="avi", seconds=8, subtitle_tracks=())
    cut = make_truncated(source, root / "cut.avi", os.path.getsize(source) * 6 // 10)
    with pytest.raises(LadderError) as caught:
        _build(cut, root / "cut-avi")
    assert (
        "truncated" in caught.value.reason
        and "video frames the file declares" in caught.value.reason
    )


def test_stream_that_errors_half_way_is_a_clear_error(root: Path) -> None:
    source = make_video(root / "good.mp4", container="mp4", seconds=6, width=640, height=360)
    data = bytearray(source.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = bytes((i * 131 + 7) % 256 for i in range(third))
    damaged = root / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with pytest.raises(LadderError) as caught:
        _build(damaged, root / "damaged")
    assert "damaged" in caught.value.reason or "cannot" in caught.value.reason


def test_not_media_is_a_clear_error(root: Path) -> None:
    text = root / "notes.mkv"
    text.write_text("not a video\n")
    with pytest.raises(LadderError) as caught:
        _build(text, root / "notes")
    assert caught.value.reason.startswith("the source cannot be packaged")


def test_should_stop_stops_promptly(root: Path) -> None:
    source = make_video(root / "long.mkv", seconds=8, width=640, height=360)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 30

    with pytest.raises(LadderCancelled) as caught:
        _build(source, root / "stopped", should_stop=stop)
    assert "stopped" in caught.value.reason
    assert len(calls) == 31  # not one packet more


def test_progress_reports_percent_fps_and_eta(root: Path) -> None:
    source = make_video(root / "progress.mkv", seconds=2)
    seen: list[tuple] = []
    result = _build(source, root / "progress", progress=lambda *a: seen.append(a))
    assert seen[-1][0] == 100.0 and seen[-1][2] == 0.0
    assert all(0 <= p <= 100 for p, _fps, _eta in seen)
    assert result.fps > 0 and result.frames == 48


def test_hevc_ladder(root: Path) -> None:
    source = make_video(root / "hevc.mkv", seconds=2, width=640, height=360)
    out = root / "hevc"
    result = _build(source, out, profile=LadderProfile(codec="hevc"))
    assert result.rungs[0].codecs.startswith("hvc1.1.6.L")
    init = (out / "video" / "360p" / "init.mp4").read_bytes()
    assert b"hvc1" in init and b"hev1" not in init
    decoded = _video_segments(out, "360p")
    assert all(d.first_is_key for d in decoded)
    check_mpd(out)


def test_encoder_threads_share_the_cpus_by_pixels() -> None:
    plans = plan_rungs(LadderProfile(), 1920, 1080)
    assert encoder_threads(LadderProfile(), plans, 2) == [2, 1, 1, 1]
    assert encoder_threads(LadderProfile(), plans, 16) == [14, 6, 3, 2]
    assert encoder_threads(LadderProfile(threads=3), plans, 16) == [3, 3, 3, 3]
