"""Serving packaged segments and playlists through signed media URLs, side by side with nginx.

Starts `mediaserver serve` on a temp data dir (as bench_http.py does), publishes a synthetic
ladder of realistic sizes (a 2-hour title: 1800 segments of 4 s in its media playlist, segment
files of --segment-kib KiB), signs in, asks POST /api/v1/playback/{id} for the token URL like the
web player, and runs wrk (-c 50 by default) against one segment and the media playlist (with
Accept-Encoding: gzip, as players send). nginx (one worker, sendfile, gzip for playlists) then
serves the same files from the same folder. Prints req/s, MB/s and the ours/nginx ratios (best of
--rounds alternating runs); the target for segments is >= 0.5x nginx.

    python bench/bench_serving.py --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench_http import (
    WRK_LUA,
    free_port,
    running_server,
    server_env,
    stop,
    wait_http,
)

SEGMENTS_LISTED = 1800  # a 2-hour title in 4 s segments
SEGMENT_FILES = 8  # files on disk (the benches fetch these); the playlist lists all 1800
RUNG = "720p"
NGINX_CONF = """
daemon off;
master_process on;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  gzip on;
  gzip_types application/vnd.apple.mpegurl;
  types {{ application/vnd.apple.mpegurl m3u8; video/mp4 m4s mp4; }}
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
}}
"""


@dataclass
class Run:
    target: str
    server: str
    rps: float
    mbps: float
    p99_ms: float
    bad: int
    requests: int
    cpu_us: float = 0.0  # server CPU time (user + system) per request


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (nginx's workers), from /proc: unlike req/s it
    hardly changes when other work on a shared machine takes CPU away."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        todo += [int(c) for c in children]
    return total


def write_ladder(folder: Path, segment_bytes: int) -> None:
    """A ladder tree as the packager writes it: master, one rung's playlist, init, segments."""
    video = folder / "video" / RUNG
    video.mkdir(parents=True)
    (folder / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=3300000,CODECS="avc1.64001f,mp4a.40.2",'
        f"RESOLUTION=1280x720\nvideo/{RUNG}/index.m3u8\n"
    )
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4", "#EXT-X-PLAYLIST-TYPE:VOD"]
    lines.append('#EXT-X-MAP:URI="init.mp4"')
    for i in range(SEGMENTS_LISTED):
        lines += ["#EXTINF:4.000000,", f"seg_{i + 1:05d}.m4s"]
    lines.append("#EXT-X-ENDLIST")
    (video / "index.m3u8").write_text("\n".join(lines) + "\n")
    (video / "init.mp4").write_bytes(os.urandom(900))
    for i in range(SEGMENT_FILES):
        (video / f"seg_{i + 1:05d}.m4s").write_bytes(os.urandom(segment_bytes))


async def _publish(env: dict[str, str], folder: Path) -> int:
    """Library, media file and published ladder rows; the files go under storage's root.
    (Policy on_the_fly: nothing queues a packaging job for the synthetic file.)"""
    from mediaserver.config_loading import load_settings
    from mediaserver.db.catalog_schema import libraries, media_files, media_streams
    from mediaserver.db.engine import create_database
    from mediaserver.db.packaging_schema import ladders

    settings = load_settings(environ=env)
    db = create_database(settings.database_url)
    now = time.time()
    try:
        async with db.write() as conn:
            library_id = (
                await conn.execute(
                    libraries.insert()
                    .values(
                        name="Bench",
                        kind="movies",
                        paths=[str(folder.parent)],
                        policy="on_the_fly",
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(libraries.c.id)
                )
            ).scalar_one()
            file_id = (
                await conn.execute(
                    media_files.insert()
                    .values(
                        library_id=library_id,
                        path=f"{folder.parent}/bench.mkv",
                        display_path="bench.mkv",
                        size=1,
                        mtime=now,
                        container="matroska,webm",
                        duration_seconds=SEGMENTS_LISTED * 4.0,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                    .returning(media_files.c.id)
                )
            ).scalar_one()
            await conn.execute(
                media_streams.insert().values(
                    media_file_id=file_id,
                    stream_index=0,
                    kind="video",
                    codec="h264",
                    width=1280,
                    height=720,
                )
            )
            await conn.execute(
                ladders.insert().values(
                    media_file_id=file_id,
                    status="ready",
                    storage_prefix=f"ladders/{file_id}/v1",
                    rungs=[{"name": RUNG, "width": 1280, "height": 720, "bandwidth": 3300000}],
                    audio=[],
                    subtitles=[],
                    posters=[],
                    created_at=now,
                    updated_at=now,
                    published_at=now,
                    duration_seconds=SEGMENTS_LISTED * 4.0,
                )
            )
    finally:
        await db.close()
    shutil.copytree(folder, settings.storage_root / f"ladders/{file_id}/v1")
    return file_id


def sign_in(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    """The login and profile-picker forms, as a browser; returns the opener and a CSRF token."""
    from bench_http import PASSWORD, USERNAME

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form(path: str) -> tuple[str, str]:
        with opener.open(base + path, timeout=30) as resp:
            body = resp.read().decode()
        match = re.search(r'name="csrf_token" value="([^"]+)"', body)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1), body

    def post(path: str, fields: dict[str, str]) -> None:
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(base + path, data=data, timeout=30) as resp:
            resp.read()

    token, _ = form("/login")
    fields = {"username": USERNAME, "password": PASSWORD, "next": "/profiles"}
    post("/login", fields | {"csrf_token": token})
    token, picker = form("/profiles")
    profile = re.search(r'action="(/profiles/\d+/select)"', picker)
    if profile is None:
        raise RuntimeError("no profile on the picker page")
    post(profile.group(1), {"csrf_token": token, "next": "/profiles"})
    return opener, form("/profiles")[0]


def playback_url(base: str, file_id: int) -> str:
    """The token URL of the master playlist, from the playback API as the web player asks."""
    opener, csrf = sign_in(base)
    request = urllib.request.Request(
        f"{base}/api/v1/playback/{file_id}",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    with opener.open(request, timeout=30) as resp:
        data = json.loads(resp.read())
    if data["method"] != "ladder":
        raise RuntimeError(f"expected the ladder, got {data['method']}: {data['reason']}")
    return base + data["url"]


@contextmanager
def packaged_server(segment_bytes: int) -> Iterator[tuple[str, Path, int]]:
    """Our server with the synthetic title published; yields (master URL, ladder folder, pid)."""
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "media" / "ladder"
        write_ladder(folder, segment_bytes)
        with running_server(tmp, "", False) as (base, proc):
            port = int(base.rsplit(":", 1)[1])
            env = server_env(tmp, port, "", False)
            file_id = asyncio.run(_publish(env, folder))
            yield playback_url(base, file_id), folder, proc.pid


@contextmanager
def nginx_server(root: Path, workers: str) -> Iterator[tuple[str, int]]:
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp_name:
        tmp = Path(tmp_name)
        for path in (root, *root.rglob("*")):  # workers drop to "nobody" when run as root
            path.chmod(0o755)
        for parent in root.parents:
            if parent == Path(tempfile.gettempdir()):
                break
            parent.chmod(0o755)
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(workers=workers, tmp=tmp, port=port, root=root))
        proc = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(tmp), "-e", "stderr"], stdout=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/master.m3u8", 10, proc)
            yield base, proc.pid
        finally:
            stop(proc, "nginx")


def wrk(url: str, args: argparse.Namespace, lua: Path, gzip: bool) -> tuple[dict, float]:
    """wrk's BENCH line and the bytes per response (measured once with the same headers)."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        size = len(r.read())
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    cmd += ["--latency", "--timeout", "10s", "-s", str(lua)]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH (\{.*\})$", out, re.M)
    if match is None:
        raise RuntimeError(f"no BENCH line in wrk output:\n{out}")
    return json.loads(match.group(1)), size


def to_run(target: str, server: str, raw: dict, size: float) -> Run:
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    return Run(
        target,
        server,
        rps,
        rps * size / 1e6,
        raw["p99_us"] / 1000,
        raw["socket_errors"] + raw["non200"],
        int(raw["requests"]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--segment-kib", type=int, default=768, help="segment size (768 KiB)")
    parser.add_argument("--nginx-workers", default="1", help="nginx worker_processes (1)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs, best kept (3)")
    args = parser.parse_args(argv)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found; apt-get install -y {tool}")
    targets = [
        ("segment", f"video/{RUNG}/seg_00001.m4s", False),
        ("playlist", f"video/{RUNG}/index.m3u8", True),
    ]
    best: dict[tuple[str, str], Run] = {}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        lua = Path(tmp) / "report.lua"
        lua.write_text(WRK_LUA)
        with packaged_server(args.segment_kib * 1024) as (master, folder, our_pid):
            keep = Path(tmp) / "www"  # nginx serves a copy of the very same files
            shutil.copytree(folder, keep)
            with nginx_server(keep, args.nginx_workers) as (nbase, nginx_pid):
                bases = {"ours": master.removesuffix("master.m3u8"), "nginx": nbase + "/"}
                pids = {"ours": our_pid, "nginx": nginx_pid}
                # Alternate the two servers, best of --rounds each: load from other work on a
                # shared machine then hits both alike instead of one run of one of them.
                for _ in range(args.rounds):
                    for name, rel, gzip in targets:
                        for server, base in bases.items():
                            before = cpu_seconds(pids[server])
                            run = to_run(name, server, *wrk(base + rel, args, lua, gzip))
                            run.cpu_us = (
                                (cpu_seconds(pids[server]) - before) * 1e6 / max(1, run.requests)
                            )
                            kept = best.get((name, server))
                            if kept is None or run.rps > kept.rps:
                                best[(name, server)] = run
    runs = [best[(name, server)] for name, _rel, _gz in targets for server in ("ours", "nginx")]
    print(
        f"\nwrk -c{args.connections} -t{args.threads} -d{args.duration}s; segment "
        f"{args.segment_kib} KiB, playlist {SEGMENTS_LISTED} segments (gzip); "
        f"{os.cpu_count()} CPUs; nginx {args.nginx_workers} worker(s)"
    )
    head = (
        f"{'target':<9} {'server':<6} {'req/s':>9} {'MB/s':>9} {'p99 ms':>8} {'bad':>5}"
        f" {'CPU us/req':>10} | {'req/s ratio':>11} {'CPU ratio':>9}"
    )
    print(head)
    print("-" * len(head))
    by = best
    for r in runs:
        ref = by[(r.target, "nginx")]
        print(
            f"{r.target:<9} {r.server:<6} {r.rps:>9.0f} {r.mbps:>9.1f} {r.p99_ms:>8.2f}"
            f" {r.bad:>5} {r.cpu_us:>10.0f} | {r.rps / ref.rps:>11.3f}"
            f" {r.cpu_us / max(ref.cpu_us, 1e-9):>9.2f}"
        )
    print("req/s ratio = ours/nginx (higher is better); CPU ratio = ours/nginx CPU per request")
    seg = by[("segment", "ours")].rps / by[("segment", "nginx")].rps
    print(f"segments: {seg:.2f}x nginx (target >= 0.5x)")
    if any(r.bad for r in runs):
        print("WARNING: some requests failed or were not 200")
    return 0


if __name__ == "__main__":
    sys.exit(main())
