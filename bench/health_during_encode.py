"""Is the event loop ever blocked while a ladder encodes? /health latency, idle vs. packaging.

Starts the server in a subprocess (embedded defaults in a temporary data folder), signs up an
admin, measures GET /health at a steady --rate for --idle seconds, then adds a `preencode`
library holding one 1080p clip (--seconds long, 30 fps, with stereo audio and real detail and
motion) and keeps measuring at the same rate until the "media.package" job has finished.
Requests are sent open-loop (on a fixed schedule, not one after the other), so a stalled loop
shows up as latency instead of silently lowering the rate. Prints p50/p99/max for both phases,
the ratio p99(encoding)/p99(idle), and how fast the ladder was made. Target: p99 < 50 ms.

    python bench/health_during_encode.py                 # 60 s 1080p clip, 50 req/s
    python bench/health_during_encode.py --seconds 20 --rate 100
"""

from __future__ import annotations

import argparse
import array
import asyncio
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout, uninstalled

import aiohttp  # noqa: E402
import av  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LAUNCH = """
import sys
from aiohttp import web
from mediaserver.app import create_app
from mediaserver.config_loading import load_settings
from tests.packaging.helpers import wired

settings = load_settings(overrides={
    "paths": {"data_dir": sys.argv[1], "min_free_bytes": 0},
    "library": {"watch": False},
    "logging": {"access_log": False},
})
web.run_app(wired(create_app(settings)), host="127.0.0.1", port=int(sys.argv[2]),
            handler_cancellation=True, print=None)
"""


def make_clip(path: Path, seconds: int, width: int = 1920, height: int = 1080, fps: int = 30):
    """Detail that moves (a large textured picture panned across), so x264 has real work."""
    big = Image.new("RGB", (width * 2, height * 2), (30, 60, 120))
    draw = ImageDraw.Draw(big)
    step = 24
    for y in range(0, big.height, step):
        for x in range(0, big.width, step):
            shade = (x * 7 + y * 13) % 200 + 30
            draw.rectangle((x, y, x + step - 2, y + step - 2), fill=(shade, 255 - shade, x % 256))
    for i in range(400):
        x, y = (i * 977) % big.width, (i * 631) % big.height
        draw.ellipse((x, y, x + 90, y + 60), outline=(255, (i * 37) % 256, 40), width=4)
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "20"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        frames = seconds * fps
        for i in range(frames):
            t = i / frames
            x = int((width) * (0.5 - 0.5 * math.cos(2 * math.pi * t)))
            y = int((height) * (0.5 - 0.5 * math.cos(4 * math.pi * t)))
            frame = av.VideoFrame.from_image(big.crop((x, y, x + width, y + height)))
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        size = audio.codec_context.frame_size or 1024
        for start in range(0, seconds * 48000, size):
            tone = array.array(
                "f", (0.2 * math.sin(2 * math.pi * 440 * (start + n) / 48000) for n in range(size))
            ).tobytes()
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=size)
            for plane in frame.planes:
                plane.update(tone)
            frame.sample_rate = 48000
            frame.pts = start
            frame.time_base = Fraction(1, 48000)
            out.mux(audio.encode(frame))
        out.mux(audio.encode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def csrf(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as resp:
        match = CSRF_RE.search(await resp.text())
        assert match, f"no csrf token on {url}"
        return match.group(1)


async def sign_up(session: aiohttp.ClientSession, base: str) -> str:
    token = await csrf(session, base + "/setup")
    data = {
        "csrf_token": token,
        "username": "bench",
        "password": "bench-password-1",
        "password_confirm": "bench-password-1",
    }
    async with session.post(base + "/setup", data=data, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
    return await csrf(session, base + "/admin/libraries/new")


async def measure(base: str, rate: float, until, slow=None) -> list[float]:  # noqa: ANN001
    """GET /health every 1/rate s on a fixed schedule until until() is true; latencies (s).
    `slow`, a list, collects (time sent, latency) of requests over 50 ms."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                async with session.get(base + "/health") as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - start)
            if slow is not None and latencies[-1] > 0.05:
                slow.append((time.monotonic() - latencies[-1], latencies[-1]))

        tasks = set()
        interval = 1.0 / rate
        next_at = time.perf_counter()
        while not await until():
            next_at += interval
            task = asyncio.create_task(one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*tasks)
    if errors:
        print(f"  {errors} /health requests failed")
    return latencies


def summary(name: str, latencies: list[float]) -> float:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, math.ceil(len(ms) * 0.99) - 1)]
    print(
        f"{name:>10}: {len(ms):5d} requests  p50 {statistics.median(ms):6.2f} ms  "
        f"p99 {p99:6.2f} ms  max {ms[-1]:7.2f} ms"
    )
    return p99


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-health-"))
    media = tmp / "media" / "Bench Clip (2024)"
    media.mkdir(parents=True)
    clip = media / "Bench Clip (2024).mkv"
    started = time.monotonic()
    make_clip(clip, args.seconds)
    print(
        f"clip: 1920x1080 30 fps, {args.seconds} s, {clip.stat().st_size / 1e6:.1f} MB "
        f"(made in {time.monotonic() - started:.1f} s); {os.cpu_count()} CPUs"
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(tmp / "data"), str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1 too
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            for _ in range(150):
                try:
                    async with session.get(base + "/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            token = await sign_up(session, base)
            idle_end = time.monotonic() + args.idle

            async def idle_done() -> bool:
                return time.monotonic() >= idle_end

            idle = await measure(base, args.rate, idle_done)
            headers = {"X-CSRF-Token": token}
            body = {
                "name": "Bench",
                "kind": "movies",
                "paths": [str(media.parent)],
                "policy": "preencode",
            }
            async with session.post(base + "/api/v1/libraries", json=body, headers=headers) as r:
                assert r.status == 201, await r.text()
            state = {"job": None, "started": None, "checked": 0.0}
            phases: list[tuple[float, str, float]] = []
            slow: list[tuple[float, float]] = []

            async def packaged() -> bool:
                if time.monotonic() - state["checked"] < 0.5:
                    return False
                state["checked"] = time.monotonic()
                async with session.get(base + "/api/v1/jobs") as resp:
                    jobs = (await resp.json())["jobs"]
                job = next((j for j in jobs if j["type"] == "media.package"), None)
                if job is not None and state["started"] is None and job["status"] == "running":
                    state["started"] = time.monotonic()
                state["job"] = job
                if job is not None:
                    phases.append((time.monotonic(), job["message"], job["progress"]))
                return job is not None and job["status"] in ("succeeded", "failed", "cancelled")

            pack_started = time.monotonic()
            busy = await measure(base, args.rate, packaged, slow)
            wall = time.monotonic() - pack_started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    job = state["job"]
    print(f"package job: {job['status']} {job.get('error') or ''}".rstrip())
    p99_idle = summary("idle", idle)
    p99_busy = summary("encoding", busy)
    print(f"p99 ratio encoding/idle: {p99_busy / p99_idle:.2f}x")
    print(
        f"ladder made in {wall:.1f} s from scan to published: {args.seconds / wall:.2f}x real time"
    )
    print(f"target p99 < 50 ms: {'met' if p99_busy < 50 else 'NOT met'}")
    if args.verbose:
        by_phase: dict[str, list[float]] = {}
        for sent, latency in slow:
            phase = next((m for t, m, _ in reversed(phases) if t <= sent), "before the job")
            by_phase.setdefault(phase, []).append(latency * 1000)
        for phase, values in by_phase.items():
            print(f"  over 50 ms while {phase!r}: {len(values)}, worst {max(values):.0f} ms")
    return 0 if job["status"] == "succeeded" and p99_busy < 50 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="clip length (default 60)")
    parser.add_argument("--rate", type=float, default=50.0, help="/health requests per second")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle baseline")
    parser.add_argument("--verbose", action="store_true", help="which job phase the slow ones hit")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
