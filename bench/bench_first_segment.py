"""Time to first segment on the fly: 1080p H.264 source -> 720p, cold, at the start and mid-file.

Makes a 1080p30 H.264 + AAC clip (60 s by default; --minutes N makes an N-minute file quickly by
encoding one minute and concatenating copies with the ffmpeg CLI), starts the real app on a
loopback port, and times from the HTTP request to the last byte of the first 720p segment with a
cold cache, at the start and after a seek to the middle. Side by side, the ffmpeg CLI makes one
4 s 720p segment (libx264 at the same preset, AAC) from the same positions; the ratio is ours
over ffmpeg's (lower is better).

    python bench/bench_first_segment.py                 # 60 s clip
    python bench/bench_first_segment.py --minutes 60    # the issue's 60-minute file
    python bench/bench_first_segment.py --source long.mkv --segment-seconds 4

The machine may be shared, so besides wall time the bench reports CPU seconds: ours is the
server process's CPU (every thread) during the request, ffmpeg's is its child CPU time. Each
spot is measured `--repeat` times from a cold cache (new session, cache dropped); the best
is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from mediaserver.app import create_app  # noqa: E402
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.keys import db_key, secret_key  # noqa: E402
from mediaserver.streaming import tokens  # noqa: E402
from mediaserver.streaming.keys import live_sessions_key  # noqa: E402
from tests.streaming.helpers import add_probed_file  # noqa: E402

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


def make_source(folder: Path, minutes: float) -> Path:
    """A 1080p30 H.264 + AAC stereo MKV like a film's: CABAC, B-frames, x264's 250-frame GOP
    (so a seek lands up to 8 s before its target), 5 Mbit/s (about 2.2 GiB an hour)."""
    minute = folder / "minute.mkv"
    seconds = 60 if minutes >= 1 else round(minutes * 60)
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "superfast", "-b:v", "5M",
         "-maxrate", "8M", "-bufsize", "10M",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", str(minute)],
        check=True,
    )  # fmt: skip
    if minutes <= 1:
        return minute
    listing = folder / "list.txt"
    listing.write_text(f"file '{minute}'\n" * round(minutes))
    target = folder / "long.mkv"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
         "-c", "copy", str(target)],
        check=True,
    )  # fmt: skip
    return target


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ffmpeg_segment(source: Path, at: float, out: Path, preset: str) -> tuple[float, float]:
    """(wall, CPU) seconds for the ffmpeg CLI to make one 4 s 720p segment at `at`."""
    started, cpu = time.perf_counter(), cpu_children()
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-ss", f"{at:.3f}", "-i", str(source), "-t", "4",
         "-vf", "scale=1280:720", "-c:v", "libx264", "-preset", preset, "-c:a", "aac",
         "-ac", "2", "-f", "mp4", str(out)],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started, cpu_children() - cpu


async def timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, float, int, int]:
    """(wall, server CPU, status, bytes); the server runs in this process."""
    started, cpu = time.perf_counter(), cpu_self()
    async with session.get(url) as resp:
        body = await resp.read()
        return time.perf_counter() - started, cpu_self() - cpu, resp.status, len(body)


async def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-first-segment-"))
    try:
        media = work / "media"
        media.mkdir()
        if args.source:
            source = media / args.source.name
            source.symlink_to(args.source.resolve())
        else:
            print(f"making a {args.minutes:g}-minute 1080p30 H.264 source ...", flush=True)
            made = time.perf_counter()
            source = make_source(media, args.minutes)
            size = source.stat().st_size >> 20
            print(f"  made in {time.perf_counter() - made:.1f} s ({size} MiB)")
        streaming = {"max_sessions": 4}
        if args.segment_seconds:
            streaming["live_segment_seconds"] = args.segment_seconds
        settings = load_settings(
            environ={},
            overrides={
                "paths": {"data_dir": work / "data", "cache_dir": work / "cache"},
                "database": {"url": f"sqlite+aiosqlite:///{work / 'bench.db'}"},
                "logging": {"access_log": False},
                "streaming": streaming,
            },
        )
        app = create_app(settings)
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            file_id = await add_probed_file(app[db_key], media, source)
            await report(app, port, file_id, source, args)
        finally:
            await runner.cleanup()
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def report(app: web.Application, port: int, file_id: int, source: Path, args) -> None:
    service = app[live_sessions_key]
    length = service.settings.live_segment_seconds
    preset = service.settings.live_preset
    duration = (await service.timeline(await _file(app, file_id), "transcode")).duration
    middle = int(duration / 2 / length)
    rows = []
    async with aiohttp.ClientSession() as session:
        # The middle of the generated file is a minute boundary, so a keyframe; 6 s later is
        # deep in a 250-frame GOP: the seek lands 6 s early and decodes its way there.
        late = min(middle + round(6 / length), int(duration / length) - 1)
        for label, n in (("start", 0), ("middle", middle), ("middle+6s", late)):
            best = None
            for _ in range(args.repeat):
                token, _grant = tokens.issue(
                    app[secret_key], user_id=1, profile_id=1, media_file_id=file_id,
                    max_height=0, ttl_seconds=600,
                )  # fmt: skip
                base = f"http://127.0.0.1:{port}/media/t/{token}/live/transcode/a1/720p"
                service.manager.stop_file(file_id)
                await asyncio.sleep(0.2)  # let the stopped session's thread end
                service.cache.drop_file(file_id)
                service._sources.clear()
                wall, cpu, status, size = await timed_get(session, f"{base}/seg_{n:05d}.m4s")
                if status != 200:
                    raise SystemExit(f"segment {n}: HTTP {status}")
                if best is None or cpu < best[1]:
                    best = (wall, cpu, size)
            service.manager.stop_file(file_id)
            await asyncio.sleep(0.2)
            theirs = None
            for _ in range(args.repeat):
                got = await asyncio.to_thread(
                    ffmpeg_segment, source, n * length, source.parent / "ref.mp4", preset
                )
                if theirs is None or got[1] < theirs[1]:
                    theirs = got
            rows.append((label, n, *best, *theirs))
    print(
        f"\nsegment length {length:g} s (ffmpeg: 4 s), preset {preset}, cold cache, 720p from 1080p"
    )
    print(
        f"{'where':9} {'segment':>7} {'ours s':>7} {'ours CPU':>9} {'bytes':>8}"
        f" {'ffmpeg s':>9} {'ffm CPU':>8} {'wall ratio':>10} {'CPU ratio':>9}"
    )
    for label, n, wall, cpu, size, f_wall, f_cpu in rows:
        print(
            f"{label:9} {n:7d} {wall:7.3f} {cpu:9.3f} {size:8d} {f_wall:9.3f} {f_cpu:8.3f}"
            f" {wall / f_wall:10.2f} {cpu / f_cpu:9.2f}"
        )
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times suffer when it is high)")


async def _file(app: web.Application, file_id: int):
    from mediaserver.streaming.media_routes import playable

    return await playable(app, file_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="source length (default 1)")
    parser.add_argument("--source", type=Path, help="use this file instead of making one")
    parser.add_argument("--segment-seconds", type=float, help="on-the-fly segment length")
    parser.add_argument("--repeat", type=int, default=3, help="runs per spot (best shown)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
