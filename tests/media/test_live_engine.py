"""The on-the-fly engine without the web: timelines, keyframe index, segments that a player can
play, exact boundaries, and restarts that give the same segments as a session from the start."""

from __future__ import annotations

import io
import random
import struct
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline, load_or_index, remux_timeline
from mediaserver.media.live.mux import _children
from mediaserver.media.live.session import LiveError, LiveSpec, run_live
from tests.media_factory import make_truncated

FPS = 24


def make_gop_clip(
    path: Path,
    *,
    seconds: float = 5.0,
    gop: int = FPS,
    bframes: int = 2,
    audio: str | None = "aac",
    width: int = 192,
    height: int = 108,
    audio_seconds: float | None = None,
) -> Path:
    """H.264 (GOP of `gop` frames, B-frames) + one audio track (aac, mp3 or None), in MKV;
    the audio lasts `audio_seconds` (default: as long as the video)."""
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream(
            "libx264",
            rate=FPS,
            options={
                "preset": "ultrafast",
                "g": str(gop),
                "keyint_min": str(gop),
                "bf": str(bframes),
                "x264-params": "scenecut=0",
            },
        )
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = None
        if audio:
            sound = out.add_stream("aac" if audio == "aac" else "libmp3lame", rate=48000)
            sound.layout = "stereo"
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 16]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        if sound is not None:
            size = sound.codec_context.frame_size or 1152
            for i in range(int((audio_seconds or seconds) * 48000 / size)):
                frame = av.AudioFrame(format="fltp", layout="stereo", samples=size)
                for plane in frame.planes:
                    plane.update(b"\x00" * plane.buffer_size)
                frame.sample_rate, frame.pts, frame.time_base = 48000, i * size, Fraction(1, 48000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode())
    return path


class Collect:
    """LiveHooks that keep everything in memory and never wait."""

    def __init__(self) -> None:
        self.init: bytes | None = None
        self.segments: dict[int, bytes] = {}

    def should_stop(self) -> bool:
        return False

    def wait_turn(self, segment: int) -> bool:
        return True

    def on_init(self, data: bytes) -> None:
        self.init = self.init or data

    def on_segment(self, segment: int, data: bytes) -> None:
        self.segments[segment] = data


def packets(data: bytes) -> dict[str, list[tuple[float, float]]]:
    """(pts, duration) in seconds of every packet, by stream type, decoding each one."""
    found: dict[str, list[tuple[float, float]]] = {"video": [], "audio": []}
    with av.open(io.BytesIO(data)) as container:
        for packet in container.demux():
            if packet.pts is None:
                continue
            for _frame in packet.decode():
                pass
            found[packet.stream.type].append(
                (float(packet.pts * packet.time_base), float(packet.duration * packet.time_base))
            )
    return found


def span(items: list[tuple[float, float]]) -> tuple[float, float]:
    return min(p for p, _ in items), max(p + d for p, d in items)


def transcode_spec(source: Path, duration: float) -> LiveSpec:
    plan = plan_rungs(LadderProfile(rungs=("360p",)), 192, 108)[0]
    timeline = grid_timeline(duration, 2.0)
    return LiveSpec(source, "transcode", timeline, 1, rung=plan, preset="ultrafast", level="3.0")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_gop_clip(tmp_path_factory.mktemp("live") / "clip.mkv")


def test_audio_running_past_the_picture_still_makes_segments(tmp_path: Path) -> None:
    """The container's duration is the audio's; the segment after the last picture holds that
    picture instead of failing with "no video" (a 500 at the end of such a title)."""
    source = make_gop_clip(tmp_path / "long_audio.mkv", seconds=2.0, audio_seconds=4.6)
    with av.open(str(source)) as probe:
        duration = probe.duration / 1_000_000
    assert duration > 4.0
    hooks = Collect()
    run_live(transcode_spec(source, duration), 1, hooks)
    assert 1 in hooks.segments
    got = packets(hooks.init + hooks.segments[1])
    assert got["video"] and abs(min(p for p, _ in got["video"]) - 2.0) < 1e-3
    assert got["audio"]


def test_grid_timeline_has_a_shorter_last_segment() -> None:
    timeline = grid_timeline(7.0, 2.0)
    assert timeline.starts == (0.0, 2.0, 4.0, 6.0, 7.0)
    assert [timeline.extinf(n) for n in range(timeline.count)] == [2.0, 2.0, 2.0, 1.0]
    # Audio running a frame or two past the picture makes no segment of its own.
    tail = grid_timeline(12.06, 2.0)
    assert tail.count == 6 and tail.extinf(5) == pytest.approx(2.06)


def test_transcode_segments_are_exact_and_continuous(clip: Path) -> None:
    hooks = Collect()
    run_live(transcode_spec(clip, 5.0), 0, hooks)
    assert sorted(hooks.segments) == [0, 1, 2]
    whole = packets(hooks.init + b"".join(hooks.segments[n] for n in range(3)))
    video = sorted(whole["video"])
    for (pts, dur), (next_pts, _) in zip(video, video[1:], strict=False):
        assert abs(pts + dur - next_pts) < 1e-3  # no gap, no overlap
    for n in range(3):
        got = packets(hooks.init + hooks.segments[n])
        first, end = span(got["video"])
        assert abs(first - 2.0 * n) < 1 / FPS  # starts at n*L
        assert abs((end - first) - min(2.0, 5.0 - 2 * n)) <= 1 / FPS  # EXTINF within a frame
        assert got["audio"], "every segment carries audio"


def test_restart_gives_the_same_boundaries(clip: Path) -> None:
    full, restarted = Collect(), Collect()
    run_live(transcode_spec(clip, 5.0), 0, full)
    run_live(transcode_spec(clip, 5.0), 1, restarted)
    assert sorted(restarted.segments) == [1, 2]
    for n in (1, 2):
        a = packets(full.init + full.segments[n])
        b = packets(restarted.init + restarted.segments[n])
        assert [p for p, _ in a["video"]] == [p for p, _ in b["video"]]
        assert [round(p, 4) for p, _ in a["audio"]] == [round(p, 4) for p, _ in b["audio"]]


def test_remux_cuts_at_source_keyframes(clip: Path, tmp_path: Path) -> None:
    index = load_or_index(clip, tmp_path / "keyframes.json")
    assert index.pts[:3] == (0.0, 1.0, 2.0)
    assert (tmp_path / "keyframes.json").is_file()
    timeline = remux_timeline(index, 2.0)
    assert timeline.starts[:3] == (0.0, 2.0, 4.0)
    spec = LiveSpec(clip, "remux", timeline, 1)
    full, restarted = Collect(), Collect()
    run_live(spec, 0, full)
    run_live(spec, 1, restarted)
    whole = packets(full.init + b"".join(full.segments[n] for n in sorted(full.segments)))
    assert len(whole["video"]) == 5 * FPS  # every frame copied, none twice
    for n in sorted(restarted.segments):
        a = packets(full.init + full.segments[n])
        b = packets(restarted.init + restarted.segments[n])
        assert len(a["video"]) == len(b["video"])
        assert [round(p, 3) for p, _ in a["audio"]] == [round(p, 3) for p, _ in b["audio"]]


def test_remux_encodes_non_aac_audio(tmp_path: Path) -> None:
    source = make_gop_clip(tmp_path / "mp3.mkv", seconds=3, audio="mp3")
    timeline = remux_timeline(load_or_index(source, tmp_path / "k.json"), 2.0)
    hooks = Collect()
    run_live(LiveSpec(source, "remux", timeline, 1), 0, hooks)
    with av.open(io.BytesIO(hooks.init)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"


def test_truncated_source_fails_with_a_reason(clip: Path, tmp_path: Path) -> None:
    broken = make_truncated(clip, tmp_path / "cut.mkv", 600)
    with pytest.raises(LiveError) as caught:
        run_live(transcode_spec(broken, 5.0), 0, Collect())
    assert caught.value.reason


def test_the_first_segment_comes_from_a_faster_preset_with_the_same_headers(clip: Path) -> None:
    """superfast for the session's first segment (time to first frame), veryfast after: x264's
    settings line (an SEI in each encoder's first IDR) tells which made what."""
    spec = replace(transcode_spec(clip, 5.0), preset="veryfast")
    for start in (0, 1):
        hooks = Collect()
        run_live(spec, start, hooks)
        first, *rest = sorted(hooks.segments)
        assert first == start
        assert b" subme=1 " in hooks.segments[first] and b" subme=2 " not in hooks.segments[first]
        assert rest and all(b" subme=1 " not in hooks.segments[n] for n in rest)
        assert b" subme=2 " in hooks.segments[rest[0]]
        frames = 0
        data = hooks.init + b"".join(hooks.segments[n] for n in sorted(hooks.segments))
        with av.open(io.BytesIO(data)) as container:
            for frame in container.decode(video=0):
                assert frame.width == 192
                frames += 1
        assert frames == round((5.0 - 2 * start) * FPS)


def presentation_times(segment: bytes) -> list[int]:
    """Video (track 1) presentation times of every sample, in the track's timescale, as a player
    computes them: tfdt, plus durations, plus signed composition offsets. (PyAV's demuxer shifts
    a fragment whose offsets go negative, so its pts are not what a browser shows.)"""
    times: list[int] = []
    for kind, start, end in _children(segment, 0, len(segment)):
        if kind != b"moof":
            continue
        for traf, t_start, t_end in _children(segment, start, end):
            if traf == b"traf":
                times += _traf_times(segment, t_start, t_end)
    return times


def _traf_times(data: bytes, start: int, end: int) -> list[int]:
    track, base, default_duration, times = None, 0, 0, []
    for kind, s, _e in _children(data, start, end):
        if kind == b"tfhd":
            flags = struct.unpack_from(">I", data, s)[0] & 0xFFFFFF
            track = struct.unpack_from(">I", data, s + 4)[0]
            at = s + 8 + (8 if flags & 1 else 0) + (4 if flags & 2 else 0)
            if flags & 8:
                default_duration = struct.unpack_from(">I", data, at)[0]
        elif kind == b"tfdt":
            base = struct.unpack_from(">Q" if data[s] else ">I", data, s + 4)[0]
        elif kind == b"trun" and track == 1:
            head = struct.unpack_from(">I", data, s)[0]
            version, flags = head >> 24, head & 0xFFFFFF
            count = struct.unpack_from(">I", data, s + 4)[0]
            at = s + 8 + (4 if flags & 1 else 0) + (4 if flags & 4 else 0)
            clock = base
            for _ in range(count):
                duration, offset = default_duration, 0
                if flags & 0x100:
                    duration = struct.unpack_from(">I", data, at)[0]
                    at += 4
                at += (4 if flags & 0x200 else 0) + (4 if flags & 0x400 else 0)
                if flags & 0x800:
                    offset = struct.unpack_from(">i" if version else ">I", data, at)[0]
                    at += 4
                times.append(clock + offset)
                clock += duration
    return times


def make_open_gop_hevc(path: Path, seconds: float = 4.0) -> Path:
    """HEVC as x265 makes it by default, only more so: open GOPs (CRA keyframes followed by
    leading pictures shown before them) and deep B-pyramids, on a moving texture (flat pictures
    get no B-frames)."""
    noise = random.Random(7)
    texture = bytes(noise.randrange(16, 235) for _ in range(192 * 108 * 2))
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream(
            "libx265",
            rate=FPS,
            options={
                "preset": "medium",
                "x265-params": "log-level=error:bframes=8:b-pyramid=1:keyint=48:min-keyint=48"
                ":open-gop=1:scenecut=0",
            },
        )
        video.width, video.height, video.pix_fmt = 192, 108, "yuv420p"
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame(192, 108, "yuv420p")
            shift = i * 3
            moved = texture[shift:] + texture[:shift]
            frame.planes[0].update(moved[: frame.planes[0].buffer_size])
            for plane in frame.planes[1:]:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
    return path


def test_remux_of_open_gop_hevc_restarts_identically(tmp_path: Path) -> None:
    """Leading pictures get decode times before their keyframe's (the muxer refused them with
    "pts < dts" before), and a session started mid-file gives the same segments."""
    source = make_open_gop_hevc(tmp_path / "x265.mkv")
    with av.open(str(source)) as probe:
        order = [p.pts for p in probe.demux(video=0) if p.pts is not None]
    keyframe_2s = order.index(2000)  # a keyframe at 2 s, and pictures shown before it after it
    assert min(order[keyframe_2s + 1 : keyframe_2s + 4]) < 2000
    timeline = remux_timeline(load_or_index(source, tmp_path / "k.json"), 2.0)
    spec = LiveSpec(source, "remux", timeline, None)
    full, restarted = Collect(), Collect()
    run_live(spec, 0, full)
    run_live(spec, 1, restarted)
    whole = packets(full.init + b"".join(full.segments[n] for n in sorted(full.segments)))
    assert len(whole["video"]) == 4 * FPS
    assert sorted(restarted.segments) == [1]
    shown = presentation_times(full.segments[1])
    assert shown == presentation_times(restarted.segments[1])  # what a browser shows
    assert min(shown) < 2 * 16000 <= shown[0]  # leading pictures, shown before the keyframe


def test_remux_of_mpeg_ts_encodes_its_adts_aac(tmp_path: Path) -> None:
    """AAC in MPEG-TS is ADTS, which MP4 cannot carry as it is: it is encoded, not copied (the
    muxer refused it before, and TS recordings could not be remuxed at all)."""
    ts = tmp_path / "recording.ts"
    with av.open(str(ts), "w", format="mpegts") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "g": "24"})
        video.width, video.height, video.pix_fmt = 192, 108, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        size = sound.codec_context.frame_size or 1024
        samples = 0
        for i in range(3 * FPS):
            frame = av.VideoFrame(192, 108, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 16]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
            while samples < (i + 1) * 48000 // FPS:
                chunk = av.AudioFrame(format="fltp", layout="stereo", samples=size)
                for plane in chunk.planes:
                    plane.update(b"\x00" * plane.buffer_size)
                chunk.sample_rate, chunk.pts = 48000, samples
                chunk.time_base = Fraction(1, 48000)
                out.mux(sound.encode(chunk))
                samples += size
        out.mux(video.encode())
        out.mux(sound.encode())
    timeline = remux_timeline(load_or_index(ts, tmp_path / "k.json"), 2.0)
    audio = next(iter(av.open(str(ts)).streams.audio)).index
    hooks = Collect()
    run_live(LiveSpec(ts, "remux", timeline, audio), 0, hooks)
    got = packets(hooks.init + b"".join(hooks.segments[n] for n in sorted(hooks.segments)))
    assert len(got["video"]) == 3 * FPS and got["audio"]
