"""tus upload throughput and server memory, side by side with nginx PUT and a plain write.

Starts `mediaserver serve` (subprocess, temp data dir, SQLite), creates the admin with the CLI,
signs in through the real forms, makes an API key and a library, then uploads one generated
file of --size-gb through tus with --chunk-mb PATCH requests from an aiohttp client that
streams the bytes (never holding the file). The content is a small real MKV followed by
pseudo-random padding, made on the fly, so the server accepts it as media and runs the whole
finishing job (fdatasync, SHA-256, placing, scan job).

While it runs, the server's VmRSS is sampled from /proc; "RSS growth" is the peak minus the value
just before the upload. The reference runs send the same bytes from the same client to nginx
(one worker, WebDAV PUT into a temp folder on the same disk) and write them with a plain
Python loop (what `cp` does), so the ratio survives the drift of shared machines.

    python bench/bench_upload.py --size-gb 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import (  # noqa: E402
    PASSWORD,
    USERNAME,
    free_port,
    server_env,
    sign_in,
    stop,
    wait_http,
)

MB = 1 << 20
PATTERN_BYTES = 64 * MB
TUS = {"Tus-Resumable": "1.0.0"}

NGINX_PUT_CONF = """
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_max_body_size 0;
  client_body_buffer_size 1m;
  client_body_temp_path {root}/.body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location = /health {{ return 200 "ok"; }}
    location / {{ dav_methods PUT; create_full_put_path on; dav_access user:rw; }}
  }}
}}
"""


def media_header() -> bytes:
    """A tiny real MKV (one second of video) to put in front of the padding."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(24):
            frame = av.VideoFrame(64, 64, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([i * 8]) * plane.buffer_size)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


# `mediaserver serve`, optionally under cProfile.
LAUNCHER = """
import sys
from mediaserver.cli import main
import os
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(["serve"])
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    sys.exit(0)
sys.exit(main(["serve"]))
"""


@contextlib.contextmanager
def running_server(workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = server_env(workdir, port, "", access_log=False)
    subprocess.run(
        [sys.executable, "-m", "mediaserver", "user", "add", USERNAME, "--admin",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER], env=env, stdout=log, stderr=log)
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 30, proc)
            yield f"http://127.0.0.1:{port}", proc
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            stop(proc, "mediaserver")


class Source:
    """`size` bytes: the header, then a 64 MiB random pattern repeated; generated as sent."""

    def __init__(self, size: int, header: bytes) -> None:
        self.size = size
        self.header = header
        self.pattern = os.urandom(PATTERN_BYTES)

    async def chunks(self, start: int, length: int, piece: int = MB) -> AsyncIterator[bytes]:
        pos, end = start, start + length
        view = memoryview(self.pattern)
        while pos < end:
            if pos < len(self.header):
                data = self.header[pos : min(end, len(self.header))]
            else:
                at = (pos - len(self.header)) % PATTERN_BYTES
                data = view[at : at + min(piece, end - pos, PATTERN_BYTES - at)]
            yield bytes(data)
            pos += len(data)


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True
        self.base = self.read()["VmRSS"]

    def read(self) -> dict[str, int]:
        text = Path(f"/proc/{self.pid}/status").read_text()
        return {k: int(v) * 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.read()["VmRSS"])
            time.sleep(0.02)


def http_json(base: str, method: str, path: str, body: dict, headers: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def make_api_key(base: str) -> str:
    cookie, _ = sign_in(base)
    headers = {"Cookie": f"ms_session={cookie}"}
    request = urllib.request.Request(base + "/admin/api-keys", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as resp:
        page = resp.read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    me = json.loads(
        urllib.request.urlopen(urllib.request.Request(base + "/api/v1/me", headers=headers)).read()
    )
    created = http_json(
        base, "POST", "/api/v1/api-keys", {"name": "bench", "user_id": me["user"]["id"]},
        headers | {"X-CSRF-Token": csrf},
    )  # fmt: skip
    return created["key"]


def make_library(workdir: Path) -> int:
    media = workdir / "media"
    media.mkdir(exist_ok=True)
    with sqlite3.connect(workdir / "data" / "mediaserver.db") as conn:
        now = time.time()
        cur = conn.execute(
            "INSERT INTO libraries (name, kind, paths, policy, created_at, updated_at) "
            "VALUES (?, 'movies', ?, 'hybrid', ?, ?)",
            ("Bench", json.dumps([str(media)]), now, now),
        )
        return int(cur.lastrowid)


async def tus_upload(base: str, key: str, library_id: int, src: Source, chunk: int) -> dict:
    import base64

    auth = {"Authorization": f"Bearer {key}"} | TUS
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "bench.mkv", "library_id": str(library_id)}.items()
    )
    timeout = aiohttp.ClientTimeout(total=None, sock_read=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        t0 = time.perf_counter()
        async with session.post(
            base + "/api/v1/uploads",
            headers=auth | {"Upload-Length": str(src.size), "Upload-Metadata": meta},
        ) as resp:
            assert resp.status == 201, await resp.text()
            url = base + resp.headers["Location"]
        offset = 0
        while offset < src.size:
            n = min(chunk, src.size - offset)
            headers = auth | {
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(n),
            }
            async with session.patch(url, data=src.chunks(offset, n), headers=headers) as resp:
                if resp.status != 204:
                    raise RuntimeError(f"PATCH at {offset}: {resp.status} {await resp.text()}")
                offset = int(resp.headers["Upload-Offset"])
        t_upload = time.perf_counter() - t0
        state: dict = {}
        while state.get("status") not in ("done", "failed"):
            await asyncio.sleep(0.1)
            async with session.get(url, headers=auth) as resp:
                state = await resp.json()
        return {"upload_s": t_upload, "done_s": time.perf_counter() - t0, "state": state}


async def put_upload(url: str, src: Source) -> float:
    timeout = aiohttp.ClientTimeout(total=None, sock_read=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        t0 = time.perf_counter()
        headers = {"Content-Length": str(src.size), "Content-Type": "application/octet-stream"}
        async with session.put(url, data=src.chunks(0, src.size), headers=headers) as resp:
            assert resp.status in (201, 204), await resp.text()
        return time.perf_counter() - t0


async def plain_write(path: Path, src: Source) -> float:
    t0 = time.perf_counter()
    with open(path, "wb", buffering=0) as fh:
        async for data in src.chunks(0, src.size, 8 * MB):
            fh.write(data)
    return time.perf_counter() - t0


def bench_nginx(src: Source, workdir: Path) -> float:
    tmp = workdir / "nginx"
    root = tmp / "www"
    root.mkdir(parents=True)
    workdir.chmod(0o755)  # nginx's worker runs as "nobody" when started as root
    for path in (tmp, root):
        path.chmod(0o777)
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_PUT_CONF.format(tmp=tmp, port=port, root=root))
    proc = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(tmp), "-e", "stderr"], stdout=subprocess.DEVNULL
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 10, proc)
        return asyncio.run(put_upload(f"http://127.0.0.1:{port}/bench.bin", src))
    finally:
        stop(proc, "nginx")
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=5.0, help="file size in GiB (5)")
    parser.add_argument("--chunk-mb", type=int, default=64, help="PATCH size in MiB (64)")
    parser.add_argument("--workdir", type=Path, default=None, help="temp folder (on the disk)")
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args(argv)
    size = int(args.size_gb * 1024**3)
    base_dir = args.workdir or Path(tempfile.gettempdir())
    free = shutil.disk_usage(base_dir).free
    if free < 2.2 * size:
        raise SystemExit(
            f"need {2.2 * size / 1e9:.1f} GB free in {base_dir}, have {free / 1e9:.1f}"
        )
    src = Source(size, media_header())
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-upload-", dir=base_dir) as tmp_name:
        workdir = Path(tmp_name)
        with running_server(workdir) as (base, proc):
            key = make_api_key(base)
            library_id = make_library(workdir)
            server_pid = proc.pid
            sampler = RssSampler(server_pid)
            sampler.start()
            outcome = asyncio.run(tus_upload(base, key, library_id, src, args.chunk_mb * MB))
            sampler.running = False
            sampler.join()
            hwm = sampler.read()["VmHWM"]
        results["tus"] = outcome["upload_s"]
        state = outcome["state"]
        for leftover in (workdir / "data" / "uploads").rglob("*"):
            if leftover.is_file():
                leftover.unlink()
        if not args.skip_reference:
            results["nginx"] = bench_nginx(src, workdir)
            target = workdir / "plain.bin"
            results["write"] = asyncio.run(plain_write(target, src))
            target.unlink()

    mbps = {k: size / MB / v for k, v in results.items()}
    print(f"\nfile: {size / 1024**3:g} GiB, PATCH {args.chunk_mb} MiB, {os.cpu_count()} CPUs")
    print(f"{'run':<28} {'seconds':>8} {'MiB/s':>8} {'vs nginx':>9}")
    for name, label in (("tus", "mediaserver tus PATCH"), ("nginx", "nginx PUT (1 worker)"),
                        ("write", "plain write (cp)")):  # fmt: skip
        if name in results:
            ratio = f"{mbps[name] / mbps['nginx']:.2f}" if "nginx" in mbps else "-"
            print(f"{label:<28} {results[name]:>8.2f} {mbps[name]:>8.0f} {ratio:>9}")
    print(
        f"until finished ({state['status']}: fdatasync + SHA-256 + place + scan job): "
        f"{outcome['done_s']:.2f} s"
    )
    if state.get("error"):
        print(f"  server said: {state['error']}")
    growth = (sampler.peak - sampler.base) / MB
    print(
        f"server RSS: before {sampler.base / MB:.0f} MiB, peak {sampler.peak / MB:.0f} MiB, "
        f"growth {growth:.1f} MiB (VmHWM {hwm / MB:.0f} MiB)"
    )
    print(f"targets: >= 300 MB/s ({'ok' if size / 1e6 / results['tus'] >= 300 else 'MISSED'}), "
          f"RSS growth < 50 MB ({'ok' if growth * MB < 50e6 else 'MISSED'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
