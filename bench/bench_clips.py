"""A 30 s clip from a packaged 1080p title: time until playable, beside the ffmpeg CLI.

Makes a 1080p24 source with moving detail (ffmpeg's testsrc2 + a sine tone, H.264 + AAC), packages
it into a one-rung 1080p ladder (the server's ladder code, 4 s segments, 2 s GOPs), then cuts the
same range (starting and ending between keyframes) several ways, each timed to a playable result:

- job path: the server itself (create_app on SQLite and local storage, its job runner running),
  the ladder copied into its storage and published; timed from `create` (what POST /api/v1/clips
  calls once the request is read: the row, the "clips.make" job queued) until the clip's row says
  "playable" (HLS playlist, segments and poster in storage), and on to "ready" (its MP4 too);
- cut alone: `start_clip` on the rung's segments that overlap the range (read from the ladder
  folder) plus the default audio rendition, until the playlist and poster are written; then the
  MP4 from the same packets;
- ffmpeg frame-accurate: `ffmpeg -ss A -to B -i source -c:v libx264 -preset veryfast -c:a aac`;
- ffmpeg stream copy: `ffmpeg -ss A -to B -i source -c copy` (starts on the keyframe before A).

Prints the median of --runs and the ratios. --quick: a small 320x240 title and a 3 s clip.
--work DIR: keep the packaged title in DIR and reuse it on the next run (building it takes minutes).

    python bench/bench_clips.py --runs 3 --work /tmp/clipbench
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_clips_job import job_path_runs  # noqa: E402

from mediaserver.media.clips import start_clip  # noqa: E402
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


def joined(folder: Path, start: float, end: float) -> str:
    """The rendition's init segment and the segments of the range, read in place (FFmpeg's
    concat: protocol), as the server reads a ladder from local storage."""
    refs = playlist_segments((folder / "index.m3u8").read_text())
    names = ["init.mp4", *(ref.uri for ref in segments_for_range(refs, start, end))]
    return "concat:" + "|".join(str(folder / name) for name in names)


def ours(ladder: Path, start: float, end: float, work: Path) -> tuple[float, float]:
    """Seconds until playable (segments read, playlist and poster written), and until the MP4."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    began = time.perf_counter()
    video = joined(next((ladder / "video").iterdir()), start, end)
    audio = joined(next((ladder / "audio").iterdir()), start, end)
    with start_clip(video, start, end, work / "clip", audio=audio, origin=0.0) as playable:
        took = time.perf_counter() - began
        playable.write_mp4()
        mp4 = time.perf_counter() - began
    result = playable.result
    print(f"  cut alone: playable {took:.2f} s, MP4 {mp4:.2f} s ({result.copied_packets} "
          f"packets copied, {result.encoded_frames} frames encoded)")  # fmt: skip
    return took, mp4


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
        jobs = asyncio.run(job_path_runs(work / "ladder", start, end, args.runs, work / "job"))
        figures: dict[str, list[float]] = {"ours": [], "mp4": [], "accurate": [], "copy": []}
        for run in range(args.runs):
            playable, mp4 = ours(work / "ladder", start, end, work / f"ours{run}")
            figures["ours"].append(playable)
            figures["mp4"].append(mp4)
            figures["accurate"].append(cli(source, start, end, work / f"acc{run}.mp4",
                ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]))  # fmt: skip
            figures["copy"].append(cli(source, start, end, work / f"copy{run}.mp4", ["-c", "copy"]))
        median = {k: statistics.median(v) for k, v in figures.items()}
        job = statistics.median(j.playable for j in jobs)
        job_ready = statistics.median(j.ready for j in jobs)
        runs = lambda xs: "/".join(f"{x:.2f}" for x in xs)  # noqa: E731
        print(
            f"job path, request to playable (HLS + poster stored): {job:.2f} s "
            f"(runs {runs([j.playable for j in jobs])}); to ready (MP4 too): {job_ready:.2f} s"
        )
        print(
            f"cut alone to playable (frame-accurate HLS + poster):   {median['ours']:.2f} s "
            f"(runs {runs(figures['ours'])}); with the MP4: {median['mp4']:.2f} s"
        )
        print(
            f"ffmpeg -ss/-to re-encode (frame-accurate):            {median['accurate']:.2f} s "
            f"(runs {runs(figures['accurate'])})"
        )
        print(
            f"ffmpeg -ss/-to -c copy (keyframe-accurate only):      {median['copy']:.2f} s "
            f"(runs {runs(figures['copy'])})"
        )
        print(
            f"ratio accurate CLI / job path: {median['accurate'] / job:.1f}x; "
            f"job path / stream copy: {job / median['copy']:.1f}x; "
            f"target playable within 2 s: {'met' if job <= 2 else 'missed'}"
        )  # fmt: skip


if __name__ == "__main__":
    main()
