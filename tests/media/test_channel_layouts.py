"""Custom-order channel layouts (a MOV whose 7.1 PCM lists side before back surrounds) once
crashed the whole process with a double free inside PyAV; now they probe, package and stream."""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.channel_layouts import is_named, native_layout

MPEG_7_1_C = 0x00800008  # CoreAudio layout tag: L R C LFE Ls Rs Rls Rrs


def make_custom_71_mov(path: Path) -> Path:
    """H.264 + 7.1 PCM in MOV, whose `chan` box is then set to MPEG_7_1_C, which FFmpeg reads as
    a custom-order layout (FL FR FC LFE SL SR BL BR), as a camera or the ffmpeg CLI writes it."""
    with av.open(str(path), "w", format="mov") as out:
        video = out.add_stream("libx264", rate=24, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = out.add_stream("pcm_s16le", rate=48000)
        audio.layout, audio.format = "7.1", "s16"
        for i in range(48):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([90]) * plane.buffer_size)
            frame.pts, frame.time_base = i, Fraction(1, 24)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for i in range(94):
            sound = av.AudioFrame(format="s16", layout="7.1", samples=1024)
            sound.planes[0].update(bytes(sound.planes[0].buffer_size))
            sound.sample_rate, sound.pts, sound.time_base = 48000, i * 1024, Fraction(1, 48000)
            out.mux(audio.encode(sound))
        out.mux(audio.encode())
    data = bytearray(path.read_bytes())
    at = data.find(b"chan")
    assert at > 0, "the muxer wrote no chan box"
    struct.pack_into(">II", data, at + 8, MPEG_7_1_C, 0)  # after version/flags: tag, bitmap
    path.write_bytes(bytes(data))
    return path


def test_layout_names() -> None:
    assert is_named("7.1") and is_named("stereo") and is_named("ambisonic 1")
    assert not is_named("8 channels (FL+FR+FC+LFE+SL+SR+BL+BR)")
    assert native_layout(["FL", "FR", "FC", "LFE", "SL", "SR", "BL", "BR"], 8) == (
        "FL+FR+FC+LFE+BL+BR+SL+SR"  # the same channels in native order: FFmpeg's "7.1"
    )
    assert native_layout(["FC", "FC"], 2) == "2c"  # dual mono: no native form, the default


def test_custom_order_layout_is_probed_packaged_and_streamed(tmp_path: Path) -> None:
    source = make_custom_71_mov(tmp_path / "Camera Clip.mov")
    # In a child process: before the fix the double free killed the interpreter (SIGABRT).
    script = textwrap.dedent(
        f"""
        import io
        from pathlib import Path
        from mediaserver.media.probe import probe_file
        from mediaserver.media.ladder.build import build_ladder
        from mediaserver.media.ladder.rungs import LadderProfile
        from mediaserver.media.live.keyframes import grid_timeline
        from mediaserver.media.ladder.rungs import plan_rungs
        from mediaserver.media.live.session import LiveSpec, run_live
        from tests.media.test_live_engine import Collect

        source = Path({str(source)!r})
        probe = probe_file(source)
        audio = probe.audio[0]
        print("probe", audio.channels, audio.channel_layout)
        out = Path({str(tmp_path / "out")!r})
        result = build_ladder(source, out, LadderProfile(preset="ultrafast"))
        print("ladder", [a.channels for a in result.audio], result.audio[0].segment_count)
        plan = plan_rungs(LadderProfile(rungs=("360p",)), 160, 120)[0]
        spec = LiveSpec(source, "transcode", grid_timeline(2.0, 2.0), audio.index, rung=plan,
                        preset="ultrafast")
        hooks = Collect()
        run_live(spec, 0, hooks)
        print("live", sorted(hooks.segments))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "probe 8 7.1"
    assert lines[1] == "ladder [2] 1"
    assert lines[2] == "live [0]"
