"""The ladder against the ffmpeg CLI making the same ladder in one process, side by side.

A 60 s 1080p30 H.264 clip with stereo audio is generated with the ffmpeg CLI (testsrc2 + sine).
Then, alternately:

- ours: `build_ladder` (one decode, every rung scaled and encoded in one loop, CMAF fMP4 via
  FFmpeg's HLS muxer, our playlists and MPD);
- ffmpeg: one `ffmpeg` process: decode once, `split` into the same rungs, `scale` (bicubic, as
  ours), libx264 with the same preset, profile, bitrates, maxrate/bufsize, x264-params, forced
  IDR keyframes every GOP, AAC 128k stereo once, HLS fMP4 output with the same segment length.

It prints both wall times, the ratio ours/ffmpeg (target <= 0.9) and speed as a multiple of real
time. The rungs, bitrates and GOP come from mediaserver.media.ladder.rungs, so both sides make
exactly the same ladder. Needs the `ffmpeg` CLI (Debian: apt-get install -y ffmpeg).

    python bench/ladder.py                    # 60 s clip, 1 run each
    python bench/ladder.py --runs 3           # median of 3 alternating runs each
    python bench/ladder.py --threading        # also ours with the encoders' default threading
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import av  # noqa: E402

from mediaserver.media.ladder import segmenter  # noqa: E402
from mediaserver.media.ladder.build import build_ladder  # noqa: E402
from mediaserver.media.ladder.rungs import (  # noqa: E402
    STEREO_BITRATE,
    LadderProfile,
    gop_frames,
    plan_rungs,
)

FPS = 30


def make_clip(path: Path, seconds: int) -> None:
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", "8M",
            "-c:a", "aac", "-b:a", "192k", "-ac", "2",
            str(path),
        ],
        check=True,
    )  # fmt: skip


def ffmpeg_command(source: Path, out: Path, profile: LadderProfile) -> list[str]:
    plans = plan_rungs(profile, 1920, 1080, frame_rate=FPS)
    gop = gop_frames(profile, FPS)
    n = len(plans)
    graph = f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n)) + ";"
    graph += ";".join(
        f"[s{i}]scale={p.width}:{p.height}:flags=bicubic,format=yuv420p[v{i}]"
        for i, p in enumerate(plans)
    )
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-filter_complex", graph]
    keyint = f"keyint={2 * gop}:min-keyint={gop}:scenecut=0:open-gop=0"
    for i, plan in enumerate(plans):
        cmd += ["-map", f"[v{i}]"]
        cmd += [
            f"-c:v:{i}", "libx264", f"-preset:v:{i}", profile.preset,
            f"-profile:v:{i}", "high", f"-b:v:{i}", str(plan.bitrate),
            f"-maxrate:v:{i}", str(plan.maxrate), f"-bufsize:v:{i}", str(plan.bufsize),
            f"-x264-params:v:{i}", keyint, f"-forced-idr:v:{i}", "1",
        ]  # fmt: skip
    cmd += ["-force_key_frames:v", f"expr:gte(t,n_forced*{profile.gop_seconds:g})"]
    cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", str(STEREO_BITRATE), "-ac", "2"]
    streams = " ".join(f"v:{i},agroup:aud" for i in range(n)) + " a:0,agroup:aud"
    cmd += [
        "-f", "hls", "-hls_time", f"{profile.segment_seconds:g}",
        "-hls_segment_type", "fmp4", "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(out / "%v" / "seg_%05d.m4s"),
        "-master_pl_name", "master.m3u8", "-var_stream_map", streams,
        str(out / "%v" / "index.m3u8"),
    ]  # fmt: skip
    return cmd


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_ffmpeg(source: Path, out: Path, profile: LadderProfile) -> tuple[float, float]:
    """(wall seconds, CPU seconds)"""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(ffmpeg_command(source, out, profile), check=True)
    return time.perf_counter() - started, _cpu(resource.RUSAGE_CHILDREN) - cpu


def run_ours(
    source: Path, out: Path, profile: LadderProfile, thread_type: str
) -> tuple[float, float]:
    """(wall seconds, CPU seconds)"""
    shutil.rmtree(out, ignore_errors=True)
    segmenter.ENCODER_THREAD_TYPE = thread_type
    try:
        cpu = _cpu(resource.RUSAGE_SELF)
        started = time.perf_counter()
        result = build_ladder(source, out, profile)
        elapsed = time.perf_counter() - started
        cpu = _cpu(resource.RUSAGE_SELF) - cpu
    finally:
        segmenter.ENCODER_THREAD_TYPE = "FRAME"
    assert len(result.rungs) == len(plan_rungs(profile, 1920, 1080)), result.rungs
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--threading", action="store_true", help="also ours with SLICE threads")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("the ffmpeg CLI is needed (Debian: apt-get install -y ffmpeg)", file=sys.stderr)
        return 2
    profile = LadderProfile(preset=args.preset)
    plans = plan_rungs(profile, 1920, 1080, frame_rate=FPS)
    with tempfile.TemporaryDirectory(prefix="bench-ladder-") as tmp:
        root = Path(tmp)
        source = root / "clip.mp4"
        make_clip(source, args.seconds)
        cli = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True)
        print(f"clip: {args.seconds} s 1080p{FPS} H.264 + AAC stereo")
        print(
            "rungs: "
            + ", ".join(f"{p.name} {p.width}x{p.height} {p.bitrate // 1000}k" for p in plans)
        )
        print(f"preset {profile.preset}, GOP {profile.gop_seconds:g} s, segments "
              f"{profile.segment_seconds:g} s")  # fmt: skip
        print(f"ours: PyAV {av.__version__}, FFmpeg libraries {av.ffmpeg_version_info}")
        print(f"reference: {cli.stdout.splitlines()[0]}")
        ours, theirs, slices = [], [], []
        for run in range(args.runs):
            theirs.append(run_ffmpeg(source, root / "ffmpeg", profile))
            ours.append(run_ours(source, root / "ours", profile, "FRAME"))
            line = (
                f"run {run + 1}: ffmpeg {theirs[-1][0]:.2f} s (CPU {theirs[-1][1]:.1f} s), "
                f"ours {ours[-1][0]:.2f} s (CPU {ours[-1][1]:.1f} s)"
            )
            if args.threading:
                slices.append(run_ours(source, root / "ours-slice", profile, "SLICE"))
                line += f", ours with slice threads {slices[-1][0]:.2f} s"
            print(line, flush=True)
        ours_s = statistics.median(wall for wall, _cpu in ours)
        theirs_s = statistics.median(wall for wall, _cpu in theirs)
        ours_cpu = statistics.median(cpu for _wall, cpu in ours)
        theirs_cpu = statistics.median(cpu for _wall, cpu in theirs)
        print(f"ffmpeg CLI: {theirs_s:.2f} s ({args.seconds / theirs_s:.2f}x real time)")
        print(f"ours:       {ours_s:.2f} s ({args.seconds / ours_s:.2f}x real time)")
        if slices:
            slice_s = statistics.median(wall for wall, _cpu in slices)
            print(f"ours, slice threads: {slice_s:.2f} s (ratio {slice_s / theirs_s:.2f})")
        ratio = ours_s / theirs_s
        verdict = "meets" if ratio <= 0.9 else "misses"
        print(f"CPU time ratio ours/ffmpeg: {ours_cpu / theirs_cpu:.2f}")
        print(f"ratio ours/ffmpeg: {ratio:.2f} ({verdict} the <= 0.9 target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
