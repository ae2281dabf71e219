"""A 30 s clip from a packaged 1080p title: time until playable, beside the ffmpeg CLI.

Makes a 1080p24 source with moving detail (ffmpeg's testsrc2 + a sine tone, H.264 + AAC), packages
it into a one-rung 1080p ladder (the server's ladder code, 4 s segments, 2 s GOPs), then cuts the
same range (starting and ending between keyframes) three ways, each timed from the start to a
playable result on disk:

- ours: `cut_clip` on the rung's segments that overlap the range (read from the ladder folder,
  as the server reads them from storage) plus the default audio rendition; it writes the MP4,
  its HLS playlist and segments, and the poster JPEG;
- ffmpeg frame-accurate: `ffmpeg -ss A -to B -i source -c:v libx264 -preset veryfast -c:a aac`;
- ffmpeg stream copy: `ffmpeg -ss A -to B -i source -c copy` (starts on the keyframe before A).

Prints the median of --runs and the ratios. --quick: a small 320x240 title and a 3 s clip.
--work DIR: keep the packaged title in DIR and reuse it on the next run (building it takes minutes).

    python bench/bench_clips.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from mediaserver.media.clips import cut_clip  # noqa: E402
from mediaserver.media.clips.segments import playlist_segments, segments_for_range  # noqa: E402
from mediaserver.media.ladder.build import build_ladder  # noqa: E402
from mediaserver.media.ladder.rungs import LadderProfile  # noqa: E402


def make_source(path: Path, seconds: int, size: str) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         str(path)],
        check=True,
    )  # fmt: skip


def joined(folder: Path, start: float, end: float, target: Path) -> Path:
    refs = playlist_segments((folder / "index.m3u8").read_text())
    with target.open("wb") as out:
        out.write((folder / "init.mp4").read_bytes())
        for ref in segments_for_range(refs, start, end):
            out.write((folder / ref.uri).read_bytes())
    return target


def ours(ladder: Path, start: float, end: float, work: Path) -> float:
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    video = joined(next((ladder / "video").iterdir()), start, end, work / "v.mp4")
    audio = joined(next((ladder / "audio").iterdir()), start, end, work / "a.mp4")
    result = cut_clip(video, start, end, work / "clip", audio=audio, origin=0.0)
    took = time.perf_counter() - began
    print(f"  ours: {took:.2f} s ({result.copied_packets} packets copied, "
          f"{result.encoded_frames} frames encoded)")  # fmt: skip
    return took


def cli(source: Path, start: float, end: float, target: Path, codec: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-to", f"{end}", "-i", str(source),
         *codec, str(target)],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small title, short clip")
    parser.add_argument("--work", type=Path, help="keep the title here and reuse it next time")
    args = parser.parse_args()
    seconds, size, start, length = (12, "320x240", 3.3, 3.0) if args.quick else (
        80, "1920x1080", 31.3, 30.0)  # fmt: skip
    end = start + length
    with tempfile.TemporaryDirectory(prefix="bench-clips-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / "source.mkv"
        made = time.perf_counter()
        rung = "360p" if args.quick else "1080p"
        built = "reused from --work"
        if not (work / "ladder" / "master.m3u8").exists():
            make_source(source, seconds, size)
            build_ladder(source, work / "ladder", LadderProfile(preset="veryfast", rungs=(rung,)))
            built = f"made in {time.perf_counter() - made:.0f} s"
        print(f"title: {seconds} s {size} 24 fps H.264 + AAC, packaged as one {rung} rung "
              f"(4 s segments, 2 s GOPs), {built}; "
              f"clip {start:.1f} .. {end:.1f} s")  # fmt: skip
        figures: dict[str, list[float]] = {"ours": [], "accurate": [], "copy": []}
        for run in range(args.runs):
            figures["ours"].append(ours(work / "ladder", start, end, work / f"ours{run}"))
            figures["accurate"].append(cli(source, start, end, work / f"acc{run}.mp4",
                ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]))  # fmt: skip
            figures["copy"].append(cli(source, start, end, work / f"copy{run}.mp4", ["-c", "copy"]))
        median = {k: statistics.median(v) for k, v in figures.items()}
        print(f"ours (frame-accurate, playable MP4 + HLS + poster): {median['ours']:.2f} s")
        print(f"ffmpeg -ss/-to re-encode (frame-accurate):          {median['accurate']:.2f} s")
        print(f"ffmpeg -ss/-to -c copy (keyframe-accurate only):    {median['copy']:.2f} s")
        print(
            f"ratio accurate CLI / ours: {median['accurate'] / median['ours']:.1f}x; "
            f"ours / stream copy: {median['ours'] / median['copy']:.1f}x; "
            f"target ready within 2 s: {'met' if median['ours'] <= 2 else 'missed'}"
        )


if __name__ == "__main__":
    main()
