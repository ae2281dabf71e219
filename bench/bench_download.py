"""Download of a 2-hour 1080p rung as one MP4: time to first byte and total time of our download
URL, side by side with `ffmpeg -i <master.m3u8 over HTTP> -c copy out.mp4` on the same ladder,
both served by the same `mediaserver serve` (subprocess, temp data dir, SQLite).

The ladder is made cheaply and said so: an 8 s 1920x1080 testsrc2 clip (ffmpeg's lavfi) is
packaged by our own packager (one 1080p rung, one AAC track, 4 s segments); then its first
video and audio segments are repeated, with their decode times (tfdt, sidx) and sequence
numbers rewritten, into a 2-hour rung of 1,800 segments each, and published for a movie. The
bitrate is that of the packaged test pattern (printed), not a film's.

    python bench/bench_download.py              # 2 hours
    python bench/bench_download.py --hours 0.5

Needs the ffmpeg and curl commands (apt-get install -y ffmpeg curl). Targets: first byte
under 1 s, total faster than the ffmpeg CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_http import (  # noqa: E402
    PASSWORD,
    SESSION_COOKIE,
    USERNAME,
    free_port,
    server_env,
    sign_in,
    stop,
    wait_http,
)
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.db.catalog_schema import libraries, media_files  # noqa: E402
from mediaserver.db.engine import create_database  # noqa: E402
from mediaserver.db.packaging_schema import ladders  # noqa: E402
from mediaserver.media.ladder.build import build_ladder  # noqa: E402
from mediaserver.media.ladder.rungs import LadderProfile  # noqa: E402
from mediaserver.media.packaged.bmff import boxes, find  # noqa: E402
from mediaserver.offline.fragments import columns, read_segment_runs, read_track_init  # noqa: E402

SEGMENT_SECONDS = 4.0


def make_source(folder: Path) -> Path:
    source = folder / "source.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "8",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(source)],
        check=True,
    )  # fmt: skip
    return source


def _segment_ticks(init: bytes, segment: bytes) -> int:
    runs = read_segment_runs(
        lambda at, n: segment[at : at + n], len(segment), read_track_init(init)
    )
    return int(columns(runs).durations.sum())


def _rewrite(segment: bytes, index: int, start: int) -> bytes:
    """The segment as the index-th one: its decode time and sequence number rewritten."""
    data = bytearray(segment)
    for box in boxes(segment):
        if box.kind == b"sidx":
            version = data[box.payload]
            at = box.payload + 12
            struct.pack_into(">Q" if version else ">I", data, at, start)
        if box.kind == b"moof":
            mfhd = find(segment, [b"mfhd"], box.payload, box.end)
            tfdt = find(segment, [b"traf", b"tfdt"], box.payload, box.end)
            assert mfhd is not None and tfdt is not None
            struct.pack_into(">I", data, mfhd.payload + 4, index + 1)
            version = data[tfdt.payload]
            struct.pack_into(">Q" if version else ">I", data, tfdt.payload + 4, start)
    return bytes(data)


def long_track(built: Path, folder: str, out: Path, count: int) -> tuple[int, float]:
    """`count` copies of the folder's first segment as a track; (bytes, seconds per segment)."""
    init = (built / folder / "init.mp4").read_bytes()
    first = (built / folder / "seg_00001.m4s").read_bytes()
    ticks = _segment_ticks(init, first)
    seconds = ticks / read_track_init(init).timescale
    target = out / folder
    target.mkdir(parents=True)
    (target / "init.mp4").write_bytes(init)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{round(seconds)}",
             "#EXT-X-MEDIA-SEQUENCE:1", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
             '#EXT-X-MAP:URI="init.mp4"']  # fmt: skip
    for index in range(count):
        name = f"seg_{index + 1:05d}.m4s"
        (target / name).write_bytes(_rewrite(first, index, index * ticks))
        lines += [f"#EXTINF:{seconds:.6f},", name]
    lines.append("#EXT-X-ENDLIST")
    (target / "index.m3u8").write_text("\n".join(lines) + "\n")
    return len(first) * count, seconds


async def publish(settings, prefix_dir: Path, rung: dict, audio: dict, seconds: float) -> int:
    db = create_database(settings.database_url)
    now = time.time()
    try:
        async with db.write() as conn:
            library = await conn.scalar(
                libraries.insert()
                .values(name="Bench", kind="movies", paths=["/bench"], policy="preencode",
                        created_at=now, updated_at=now)
                .returning(libraries.c.id)
            )  # fmt: skip
            file_id = await conn.scalar(
                media_files.insert()
                .values(library_id=library, path="/bench/Long Movie.mkv",
                        display_path="/bench/Long Movie.mkv", size=1, mtime=now,
                        first_seen_at=now, last_seen_at=now, duration_seconds=seconds)
                .returning(media_files.c.id)
            )  # fmt: skip
            prefix = f"ladders/{file_id}/v1"
            await conn.execute(ladders.insert().values(
                media_file_id=file_id, status="ready", storage_prefix=prefix, rungs=[rung],
                audio=[audio], subtitles=[], posters=[], duration_seconds=seconds,
                created_at=now, updated_at=now, published_at=now,
            ))  # fmt: skip
    finally:
        await db.close()
    target = settings.storage_root / "ladders" / str(file_id) / "v1"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(prefix_dir), str(target))
    return file_id


def request_json(base: str, cookie: str, csrf: str, path: str, body: dict) -> dict:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf,
               "Content-Type": "application/json"}  # fmt: skip
    conn.request("POST", path, json.dumps(body), headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        raise RuntimeError(f"{path}: {resp.status} {data[:300]!r}")
    return json.loads(data)


def csrf_token(base: str, cookie: str) -> str:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("GET", "/profiles", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    match = re.search(r'name="csrf_token" value="([^"]+)"', conn.getresponse().read().decode())
    assert match, "no CSRF token"
    return match.group(1)


def fetch(base: str, path: str, out: Path) -> tuple[float, float, int]:
    """(seconds to the first byte, total seconds, bytes) of one GET written to a file by curl,
    a native client as ffmpeg is."""
    timing = subprocess.run(
        ["curl", "-sS", "--fail", "-o", str(out), "-w", "%{time_starttransfer} %{time_total}",
         base + path],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    first, total = (float(v) for v in timing.stdout.split())
    return first, total, out.stat().st_size


def warm(folder: Path) -> None:
    """Read every file once, so that neither side pays for the disk and the first one measured
    is not penalised (the machine is shared; its disk is not what is compared)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb", buffering=0) as f:
                while f.read(1 << 22):
                    pass


def probe(path: Path) -> tuple[float, str]:
    """(duration in seconds, the first top-level box after ftyp)."""
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    with path.open("rb") as f:
        head = f.read(64)
    size = struct.unpack_from(">I", head, 0)[0]
    return float(json.loads(found.stdout)["format"]["duration"]), head[size + 4 : size + 8].decode()


@contextlib.contextmanager
def serving(workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`mediaserver serve` on SQLite with an admin made by the CLI; waits up to 3 minutes for
    it to answer (the machine may be busy with the ladder just written)."""
    port = free_port()
    env = server_env(workdir, port, "", False)
    add = [sys.executable, "-m", "mediaserver", "user", "add", USERNAME, "--admin",
           "--password-stdin"]  # fmt: skip
    subprocess.run(add, input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    with open(workdir / "server.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "mediaserver", "serve"], env=env,
                                stdout=log, stderr=log)  # fmt: skip
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 180, proc)
            yield f"http://127.0.0.1:{port}", env
        finally:
            stop(proc, "mediaserver")


def make_ladder(work: Path, count: int):
    """The packaged 8 s clip and the long ladder made of it (kept when --workdir is reused)."""
    built, long = work / "built", work / "long"
    profile = LadderProfile(preset="ultrafast", rungs=("1080p",), segment_seconds=4.0)
    if not (built / "master.m3u8").exists():
        shutil.rmtree(built, ignore_errors=True)
        build_ladder(make_source(work), built, profile)
    rung = next((built / "video").iterdir()).name
    track = next((built / "audio").iterdir()).name
    if (
        not (long / "master.m3u8").exists()
        or len(list((long / "video" / rung).glob("seg_*"))) != count
    ):
        shutil.rmtree(long, ignore_errors=True)
        long_track(built, f"video/{rung}", long, count)
        long_track(built, f"audio/{track}", long, count)
        shutil.copyfile(built / "master.m3u8", long / "master.m3u8")
    return long, rung, track


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument(
        "--workdir",
        help="keep the made ladder here and reuse it on the next run (default: a "
        "temporary folder, removed)",
    )
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None or shutil.which("curl") is None:
        print("ffmpeg or curl is missing: apt-get install -y ffmpeg curl", file=sys.stderr)
        return 2
    count = round(args.hours * 3600 / SEGMENT_SECONDS)
    keep = args.workdir is not None
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-download-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        long, rung, track = make_ladder(work, count)
        init = read_track_init((long / "video" / rung / "init.mp4").read_bytes())
        width, height = init.width >> 16, init.height >> 16
        video_bytes = sum(f.stat().st_size for f in (long / "video" / rung).glob("seg_*"))
        audio_bytes = sum(f.stat().st_size for f in (long / "audio" / track).glob("seg_*"))
        duration = count * SEGMENT_SECONDS
        print(f"ladder: {count} segments of {SEGMENT_SECONDS:.0f} s ({duration / 3600:.2f} h), "
              f"{width}x{height} rung {video_bytes / 1e6:.0f} MB "
              f"({video_bytes * 8 / duration / 1e6:.2f} Mb/s) + audio {audio_bytes / 1e6:.0f} MB, "
              f"ready in {time.perf_counter() - started:.0f} s")  # fmt: skip
        rung_row = {"name": rung, "width": width, "height": height}
        audio_row = {"name": track, "source_index": 1, "default": True}
        server = work / "server"
        shutil.rmtree(server, ignore_errors=True)
        server.mkdir()
        with serving(server) as (base, env):
            settings = load_settings(environ=env)
            staged = work / "publishing"
            shutil.rmtree(staged, ignore_errors=True)
            shutil.copytree(long, staged, copy_function=os.link)  # hard links: no copy
            file_id = asyncio.run(publish(settings, staged, rung_row, audio_row, duration))
            warm(long)  # both sides read the ladder from the page cache, not the disk
            cookie, _page = sign_in(base)
            csrf = csrf_token(base, cookie)
            made = request_json(base, cookie, csrf, "/api/v1/offline/downloads",
                                {"media_file_id": file_id})  # fmt: skip
            ours = fetch(base, made["url"], work / "ours.mp4")
            ours_duration, second_box = probe(work / "ours.mp4")
            (work / "ours.mp4").unlink()
            resumed = fetch(base, made["url"], work / "again.mp4")
            (work / "again.mp4").unlink()
            played = request_json(base, cookie, csrf, f"/api/v1/playback/{file_id}", {})
            cli = work / "cli.mp4"
            began = time.perf_counter()
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-i", base + played["url"], "-map", "0:v:0",
                 "-map", "0:a:0", "-c", "copy", str(cli)],
                check=True,
            )  # fmt: skip
            cli_seconds = time.perf_counter() - began
            cli_duration, cli_box = probe(cli)
            cli_size = cli.stat().st_size
            cli.unlink()
    finally:
        shutil.rmtree(work / "server", ignore_errors=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'':34}{'first byte':>12}{'total':>10}{'MB':>8}{'duration':>10}  after ftyp")
    print(f"{'ours, cold (layout built)':34}{ours[0]:>11.3f}s{ours[1]:>9.2f}s"
          f"{ours[2] / 1e6:>8.0f}{ours_duration:>9.0f}s  {second_box}")  # fmt: skip
    print(f"{'ours, again (layout cached)':34}{resumed[0]:>11.3f}s{resumed[1]:>9.2f}s"
          f"{resumed[2] / 1e6:>8.0f}")  # fmt: skip
    print(f"{'ffmpeg -i master.m3u8 -c copy':34}{'—':>12}{cli_seconds:>9.2f}s"
          f"{cli_size / 1e6:>8.0f}{cli_duration:>9.0f}s  {cli_box}")  # fmt: skip
    print(f"total time, ours / ffmpeg: {ours[1] / cli_seconds:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
