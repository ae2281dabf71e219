"""Download of a title without a ladder, made from its source file: time to first byte and total
time of the download URL's making and streaming, side by side with the ffmpeg CLI doing the same
work to a file (`ffmpeg -i source -c copy out.mp4` for a copy; the same H.264/AAC encode for an
encode), which gives no byte until it is done when the MP4 is to be faststart.

What is served: the offline domain's SourceMaker and growing-file sender (the code behind
/offline/file/<token>/...) in a bare aiohttp app on loopback; the route's rights checks (a few
database reads) are left out. Each run starts from an empty cache, so every run makes the file.

The source is made cheaply and said so: a 10 s 1920x1080 testsrc2 clip with a sine tone (ffmpeg
lavfi, libx264 veryfast, AAC, Matroska) repeated by stream copy to the wanted length.

    python bench/bench_source_download.py                       # 20 min copy, 60 s encode
    python bench/bench_source_download.py --copy-minutes 5 --encode-seconds 30 --runs 3

Needs the ffmpeg command. Targets: first byte under 1 s for an encode; for a copy, the first
byte comes once the source's packets are indexed (a read of the whole file, no decoding).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mediaserver.offline.growing import send_growing  # noqa: E402
from mediaserver.offline.source_encode import PRESET  # noqa: E402
from mediaserver.offline.source_maker import Queued, SourceMaker  # noqa: E402
from mediaserver.offline.source_mp4 import plan  # noqa: E402

CLIP_SECONDS = 10


def make_source(folder: Path, seconds: float) -> Path:
    clip = folder / "clip.mkv"
    if not clip.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc2=size=1920x1080:rate=24:duration={CLIP_SECONDS}",
             "-f", "lavfi", "-i", f"sine=frequency=440:duration={CLIP_SECONDS}",
             "-c:v", "libx264", "-preset", "veryfast", "-g", "48", "-c:a", "aac", "-b:a", "128k",
             str(clip)],
            check=True,
        )  # fmt: skip
    repeats = max(1, round(seconds / CLIP_SECONDS))
    source = folder / f"source-{repeats}.mkv"
    if not source.exists():
        listing = folder / "list.txt"
        listing.write_text(f"file '{clip}'\n" * repeats)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
             "-c", "copy", str(source)],
            check=True,
        )  # fmt: skip
    return source


def source_plan(source: Path, rung: str, height: int):
    stat = source.stat()
    return plan(
        1, str(source), stat.st_size, stat.st_mtime, (0, "h264", 1080), (1, "aac", "und"),
        rung, height,
    )  # fmt: skip


async def _serve(maker: SourceMaker, the_plan) -> tuple[web.AppRunner, str]:
    async def download(request: web.Request) -> web.StreamResponse:
        found = maker.lookup(the_plan)
        assert not isinstance(found, Queued)
        return await send_growing(request, found, {"Content-Type": "video/mp4"})

    app = web.Application()
    app.router.add_get("/file.mp4", download)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/file.mp4"


async def ours(the_plan, cache: Path) -> tuple[float, float, int]:
    """(first byte s, total s, bytes) of one download made from an empty cache."""
    maker = SourceMaker(cache, 1)
    runner, url = await _serve(maker, the_plan)
    try:
        async with aiohttp.ClientSession() as http:
            start = time.perf_counter()
            async with http.get(url) as resp:
                assert resp.status == 200, resp.status
                first = None
                size = 0
                async for chunk in resp.content.iter_chunked(1 << 20):
                    if first is None:
                        first = time.perf_counter() - start
                    size += len(chunk)
            total = time.perf_counter() - start
    finally:
        await maker.close()
        await runner.cleanup()
    return first or total, total, size


def ffmpeg(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_case(name: str, the_plan, reference: list[str], runs: int, work: Path) -> None:
    firsts, totals, refs = [], [], []
    size = 0
    for n in range(runs):
        cache = work / f"cache-{name}-{n}"
        first, total, size = asyncio.run(ours(the_plan, cache))
        firsts.append(first)
        totals.append(total)
        refs.append(ffmpeg(reference))
        for path in cache.rglob("*.mp4"):
            path.unlink()
    print(
        f"{name:7s} ours: first byte {median(firsts):7.3f} s, total {median(totals):7.2f} s "
        f"({size / 1e6:.0f} MB) | ffmpeg CLI (first byte = total): {median(refs):7.2f} s "
        f"| runs {runs}: ours totals {[round(t, 2) for t in totals]}, "
        f"ffmpeg {[round(t, 2) for t in refs]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copy-minutes", type=float, default=20)
    parser.add_argument("--encode-seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-source-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load: {os.getloadavg()}, cores: {os.cpu_count()}")
    long_source = make_source(work, args.copy_minutes * 60)
    short_source = make_source(work, args.encode_seconds)
    print(f"copy source {long_source.stat().st_size / 1e6:.0f} MB, "
          f"encode source {short_source.stat().st_size / 1e6:.0f} MB")  # fmt: skip
    copy = source_plan(long_source, "source", 1080)
    out = str(work / "ref.mp4")
    run_case(
        "copy", copy,
        ["-i", str(long_source), "-map", "0:0", "-map", "0:1", "-c", "copy",
         "-movflags", "+faststart", out],
        args.runs, work,
    )  # fmt: skip
    encode = source_plan(short_source, "720p", 720)
    kbps = encode.bitrate // 1000
    run_case(
        "encode", encode,
        ["-i", str(short_source), "-map", "0:0", "-map", "0:1", "-vf", "scale=-2:720",
         "-c:v", "libx264", "-preset", PRESET, "-b:v", f"{kbps}k",
         "-maxrate", f"{kbps * 3 // 2}k", "-bufsize", f"{kbps * 2}k", "-c:a", "aac", out],
        args.runs, work,
    )  # fmt: skip
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
