"""Automatic tagging: how long the offline analysis of a 45-minute title takes.

A few minutes of H.264 video (shots of changing colour with moving blocks, a tone with pauses)
are encoded once and copied end to end into a 45-minute Matroska file (packets remuxed, so
making it is cheap); the analysis the job runs (`analysis.analyse`, pictures sampled at 2 fps
in at most 16 windows of 12 s, sound in the same windows, 4 keyframes) is timed on it. The
reference beside it is one plain pass decoding every video frame of the file, which is what an
analysis that looked at the whole title would at least cost.

    python bench/bench_tagging.py                      # 1280x720, 45 minutes
    python bench/bench_tagging.py --height 1080 --minutes 45 --no-reference

Target: the 45-minute title analysed in well under a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import av  # noqa: E402
import numpy as np  # noqa: E402

from mediaserver.recommend.tagging.analysis import MediaInput, analyse  # noqa: E402

FPS = 24
COLOURS = ((200, 60, 40), (30, 40, 70), (220, 210, 120), (20, 120, 90), (90, 90, 95))


def _segment(path: Path, seconds: int, width: int, height: int) -> None:
    """A short source: a new shot every 4 s, a block moving in each, a tone with pauses."""
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "g": "96"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        base = np.zeros((height, width, 3), np.uint8)
        for i in range(seconds * FPS):
            base[:] = COLOURS[(i // (4 * FPS)) % len(COLOURS)]
            x = (i * 7) % max(1, width - width // 6)
            base[height // 3 : 2 * height // 3, x : x + width // 6] = 240
            frame = av.VideoFrame.from_ndarray(base, "rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        size = audio.codec_context.frame_size or 1024
        t = np.arange(seconds * 48000) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 330 * t) * ((t % 1.0) < 0.6)).astype(np.float32)
        for start in range(0, len(t) - size, size):
            chunk = np.vstack([tone[start : start + size]] * 2)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48000, start
            out.mux(audio.encode(frame))
        out.mux(audio.encode())


def _repeat(source: Path, target: Path, minutes: int) -> float:
    """Copy the source's packets end to end until the file lasts `minutes`; its duration."""
    with av.open(str(source)) as src:
        length = float(src.duration or 0) / av.time_base
    copies = max(1, round(minutes * 60 / length))
    with av.open(str(target), "w", format="matroska") as out:
        with av.open(str(source)) as src:
            streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for n in range(copies):
            with av.open(str(source)) as src:
                for packet in src.demux():
                    if packet.dts is None:
                        continue
                    shift = int(n * length / packet.time_base)
                    packet.pts = None if packet.pts is None else packet.pts + shift
                    packet.dts += shift
                    packet.stream = streams[packet.stream.index]
                    out.mux(packet)
    return copies * length


def _decode_everything(path: Path) -> tuple[float, int]:
    started, frames = time.monotonic(), 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return time.monotonic() - started, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=45)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--segment-seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    width = args.height * 16 // 9 // 2 * 2
    with tempfile.TemporaryDirectory() as folder:
        segment, title = Path(folder) / "segment.mkv", Path(folder) / "title.mkv"
        started = time.monotonic()
        _segment(segment, args.segment_seconds, width, args.height)
        duration = _repeat(segment, title, args.minutes)
        print(
            f"made a {duration / 60:.1f}-minute {width}x{args.height} title "
            f"({title.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.1f}s"
        )
        media = MediaInput(str(title), duration, None, None, "A detective hunts a killer.")
        times = []
        for _ in range(args.runs):
            found = analyse(media, fps=2.0, max_seconds=1800, keyframes=4)
            times.append(found.seconds)
        best = min(times)
        print(
            f"analysis: best {best:.2f}s, median {sorted(times)[len(times) // 2]:.2f}s over "
            f"{args.runs} runs; sampled {found.features['seconds_sampled']} s, "
            f"{int(found.features['frames_sampled'] or 0)} frames"
        )
        print("tags:", ", ".join(s.tag for s in found.suggestions))
        if not args.no_reference:
            seconds, frames = _decode_everything(title)
            print(f"reference (decode every frame once): {seconds:.1f}s for {frames} frames")
            print(f"analysis / full decode: {best / seconds:.3f}x")
        print(f"45-minute analysis: {best:.2f}s (target: well under 60 s)")


if __name__ == "__main__":
    main()
