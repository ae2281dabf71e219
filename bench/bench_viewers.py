"""Many viewers at once: each fetches segments at real-time pace through signed media URLs.

Starts `mediaserver serve` with the synthetic packaged title of bench_serving.py, asks the
playback API for the token URL, then runs N simulated viewers (aiohttp clients, one connection
each, starts spread over one segment duration). Every viewer loads the master and media
playlists, then one segment every segment duration (4 s) for D seconds, like a player that keeps
a steady buffer. Reports the segment latency (request to last byte) p50/p99/max and the errors.
Target: 300 viewers for 2 minutes, zero errors, p99 < 100 ms -- hundreds of viewers on one small
machine, each segment arriving in a small fraction of the 4 s it plays for, so no player's buffer
runs low.

    python bench/bench_viewers.py --viewers 300 --duration 120
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time

import aiohttp
from bench_serving import SEGMENT_FILES, packaged_server

SEGMENT_SECONDS = 4.0


async def viewer(
    session: aiohttp.ClientSession,
    base: str,
    deadline: float,
    pace: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    await asyncio.sleep(random.uniform(0, pace))
    try:
        for rel in ("master.m3u8", "video/720p/index.m3u8", "video/720p/init.mp4"):
            async with session.get(base + rel) as resp:
                await resp.read()
                if resp.status != 200:
                    errors.append(f"{rel}: {resp.status}")
        n = random.randrange(SEGMENT_FILES)
        while time.monotonic() < deadline:
            began = time.monotonic()
            async with session.get(f"{base}video/720p/seg_{n % SEGMENT_FILES + 1:05d}.m4s") as resp:
                size = len(await resp.read())
                if resp.status != 200 or not size:
                    errors.append(f"segment: {resp.status}")
            latencies.append(time.monotonic() - began)
            n += 1
            await asyncio.sleep(max(0.0, pace - (time.monotonic() - began)))
    except (aiohttp.ClientError, TimeoutError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")


async def run(base: str, viewers: int, duration: float, pace: float) -> tuple[list, list]:
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(
            *(viewer(session, base, deadline, pace, latencies, errors) for _ in range(viewers))
        )
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=300, help="simulated viewers (300)")
    parser.add_argument("--duration", type=float, default=120, help="seconds (120)")
    parser.add_argument("--segment-kib", type=int, default=768, help="segment size (768 KiB)")
    parser.add_argument(
        "--pace", type=float, default=SEGMENT_SECONDS, help="seconds between segments (4)"
    )
    args = parser.parse_args(argv)
    with packaged_server(args.segment_kib * 1024) as (master, _folder, _pid):
        base = master.removesuffix("master.m3u8")
        latencies, errors = asyncio.run(run(base, args.viewers, args.duration, args.pace))
    mb_s = len(latencies) * args.segment_kib / 1024 / args.duration
    print(
        f"\n{args.viewers} viewers, {args.duration:.0f} s, one {args.segment_kib} KiB segment "
        f"every {args.pace:g} s each (~{mb_s:.1f} MB/s); {os.cpu_count()} CPUs"
    )
    if latencies:
        ms = [x * 1000 for x in latencies]
        print(
            f"segments: {len(ms)}  p50 {statistics.median(ms):.1f} ms  "
            f"p99 {percentile(ms, 0.99):.1f} ms  max {max(ms):.1f} ms  errors {len(errors)}"
        )
    for line in sorted(set(errors))[:10]:
        print("  error:", line)
    ok = not errors and latencies and percentile(latencies, 0.99) < 0.1
    print("target (zero errors, p99 < 100 ms):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
