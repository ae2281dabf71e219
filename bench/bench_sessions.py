"""Memory and threads after many on-the-fly sessions: a server after bursts of plays.

Makes a small H.264 + AAC clip, then runs `--sessions` on-the-fly transcode sessions through the
real session manager and PyAV engine (no HTTP), in bursts of `--burst` at once: each session makes
its first segment (a viewer who gives up after a few seconds) and is then stopped as idle, as the
reaper does. Prints the process's resident memory (VmRSS from /proc/self/status) and its thread
count (Python threads, and native ones from /proc/self/task, FFmpeg's and x264's included) at the
baseline (after one warm-up burst), at the peak, and after the last session stopped (before and
after a forced garbage collection: a healthy engine needs none).

    python bench/bench_sessions.py --sessions 500
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from mediaserver.media.ladder.rungs import RungPlan  # noqa: E402
from mediaserver.media.live.keyframes import grid_timeline  # noqa: E402
from mediaserver.media.live.session import LiveSpec  # noqa: E402
from mediaserver.streaming.segment_cache import SegmentCache  # noqa: E402
from mediaserver.streaming.sessions import SessionManager  # noqa: E402
from tests.media.test_live_engine import make_gop_clip  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def figures() -> tuple[float, int, int]:
    return rss_mib(), threading.active_count(), native_threads()


def show(label: str, values: tuple[float, int, int]) -> None:
    rss, python, native = values
    print(f"{label:<28} RSS {rss:7.1f} MiB   threads {python:3d} Python, {native:3d} native")


async def burst(manager: SessionManager, spec: LiveSpec, folder: Path, first: int, size: int):
    keys = [(f"play{first + i}", 1, "transcode", "a1", "360p") for i in range(size)]
    await asyncio.gather(*(manager.segment(key, lambda: spec, folder / key[0], 0) for key in keys))
    threads = [manager.sessions[key].run.thread for key in keys]
    peak = figures()
    manager.reap_idle(now=time.monotonic() + 3600)  # every one of them idle: stopped
    await asyncio.to_thread(lambda: [thread.join(10) for thread in threads])
    return peak


async def run(args: argparse.Namespace, work: Path) -> None:
    clip = make_gop_clip(work / "clip.mkv", seconds=7, width=320, height=180)
    cache = SegmentCache(work / "cache", 10**10)
    manager = SessionManager(cache, max_sessions=args.burst, run_ahead=1, idle_timeout=60)
    manager.start()
    plan = RungPlan("360p", 320, 180, 400_000, 600_000, 800_000)
    spec = LiveSpec(
        clip,
        "transcode",
        grid_timeline(7.0, 2.0),
        1,
        rung=plan,
        preset="veryfast",
        threads=max(1, os.cpu_count() or 1),  # as the service gives every session
        decode_threads=2,
    )
    await burst(manager, spec, work / "warm", 0, args.burst)
    gc.collect()
    baseline = figures()
    peak = baseline
    started = time.monotonic()
    done = 0
    while done < args.sessions:
        size = min(args.burst, args.sessions - done)
        seen = await burst(manager, spec, work / "runs", done, size)
        peak = max(peak, seen)
        done += size
    elapsed = time.monotonic() - started
    after = figures()
    gc.collect()
    collected = figures()
    await manager.close()
    print(f"{done} sessions in bursts of {args.burst}, {elapsed:.1f} s")
    show("baseline", baseline)
    show("peak (during a burst)", peak)
    show(f"after {done} sessions", after)
    show("after gc.collect()", collected)
    rss, python, native = after
    print(
        f"growth: RSS {rss - baseline[0]:+.1f} MiB, threads {python - baseline[1]:+d} Python, "
        f"{native - baseline[2]:+d} native"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--burst", type=int, default=4, help="sessions started at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
