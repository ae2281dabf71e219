"""HTTP throughput and tail latency of `mediaserver serve`, side by side with nginx.

For each database backend it starts a real server (subprocess, temp data dir, free port),
creates an admin with the CLI, signs in through the real /login and profile-picker forms, and
runs wrk against:

  * /health          the cheapest route: framework and middleware overhead
  * /  (signed in)   session lookup + touch, profile, CSRF token, a full Jinja2 page

Then nginx (one worker, like our one process) serves static files of the same sizes under the
same wrk load on the same machine, and the table shows ours/nginx. Absolute numbers drift on
shared machines; the ratio is the figure to compare between runs.

    python bench/bench_http.py                                  # SQLite only
    python bench/bench_http.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is created if missing and its public schema is WIPED, so its name must
start with "bench". Needs `wrk` and `nginx` on PATH (apt-get install -y wrk nginx).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USERNAME = "bench"
PASSWORD = "bench-password-123"
SESSION_COOKIE = "ms_session"  # mediaserver.http.auth.SESSION_COOKIE

# wrk runs one Lua state per thread. Count non-200 answers in each (a lost session would turn the
# signed-in page into cheap 303 redirects and flatter the figures), then report wrk's exact
# latency percentiles, the same numbers `--latency` prints, as one JSON line we can parse.
WRK_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "socket_errors": %d, "non200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, bad))
end
"""

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
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location = /health {{ default_type application/json; }}
    location = / {{ default_type text/html; try_files /index.html =404; }}
  }}
}}
"""


@dataclass
class Result:
    target: str
    backend: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # socket errors + non-200 answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def stop(proc: subprocess.Popen[bytes], name: str, timeout: float = 20.0) -> None:
    """SIGTERM (what `docker stop` sends) and insist on a clean exit; kill only as a last resort."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"warning: {name} ignored SIGTERM for {timeout}s and was killed", file=sys.stderr)
            return
    if proc.returncode not in (0, -signal.SIGTERM):
        print(f"warning: {name} exited with {proc.returncode}", file=sys.stderr)


# -- wrk ---------------------------------------------------------------------------------------


def run_wrk(
    url: str, args: argparse.Namespace, lua: Path, headers: dict[str, str] | None = None
) -> dict[str, float]:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    cmd += ["--latency", "--timeout", "10s", "-s", str(lua)]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if args.verbose:
        print(out)
    match = re.search(r"^BENCH (\{.*\})$", out, re.M)
    if match is None:
        raise RuntimeError(f"no BENCH line in wrk output:\n{out}")
    return dict(json.loads(match.group(1)))


def to_result(target: str, backend: str, raw: dict[str, float]) -> Result:
    return Result(
        target=target,
        backend=backend,
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        requests=int(raw["requests"]),
        bad=int(raw["socket_errors"] + raw["non200"]),
    )


# -- our server --------------------------------------------------------------------------------


def server_env(data: Path, port: int, database_url: str, access_log: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    env |= {
        "MEDIASERVER_PATHS__DATA_DIR": str(data / "data"),
        "MEDIASERVER_PATHS__CACHE_DIR": str(data / "cache"),
        "MEDIASERVER_SERVER__HOST": "127.0.0.1",
        "MEDIASERVER_SERVER__PORT": str(port),
        "MEDIASERVER_LOGGING__ACCESS_LOG": "true" if access_log else "false",
        "MEDIASERVER_LOGGING__LEVEL": "warning",
    }
    if database_url:
        env["MEDIASERVER_DATABASE__URL"] = database_url
    return env


def sign_in(base: str) -> tuple[str, str]:
    """Sign in through the HTML forms like a browser; return the session cookie and page body."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form_token(path: str) -> tuple[str, str]:
        with opener.open(base + path, timeout=30) as resp:
            body = resp.read().decode()
        match = re.search(r'name="csrf_token" value="([^"]+)"', body)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1), body

    def post(path: str, fields: dict[str, str]) -> None:
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(base + path, data=data, timeout=30) as resp:  # follows the 303
            resp.read()

    token, _ = form_token("/login")
    post("/login", {"username": USERNAME, "password": PASSWORD, "next": "/", "csrf_token": token})
    token, picker = form_token("/profiles")
    profile = re.search(r'action="(/profiles/\d+/select)"', picker)
    if profile is None:
        raise RuntimeError("no profile on the picker page")
    post(profile.group(1), {"csrf_token": token, "next": "/"})
    cookie = next((c.value for c in jar if c.name == SESSION_COOKIE), None)
    if cookie is None:
        raise RuntimeError("signing in set no session cookie")

    # The page wrk will load must be the real signed-in page, not a redirect to the picker.
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    check = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + "/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    with check.open(request, timeout=30) as resp:
        page = resp.read().decode()
    if 'class="profile-chip"' not in page:
        raise RuntimeError("the session cookie does not give the signed-in home page")
    return cookie, page


@contextlib.contextmanager
def running_server(
    workdir: Path, database_url: str, access_log: bool, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = server_env(workdir, port, database_url, access_log) | (extra_env or {})
    # The admin comes from the CLI (it also migrates the empty database), as an operator would.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mediaserver",
            "user",
            "add",
            USERNAME,
            "--admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mediaserver", "serve"], env=env, stdout=log, stderr=log
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 30, proc)
            yield f"http://127.0.0.1:{port}", proc
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            stop(proc, "mediaserver")


def bench_server(
    backend: str, database_url: str, args: argparse.Namespace, lua: Path
) -> tuple[list[Result], dict[str, int]]:
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as tmp,
        running_server(Path(tmp), database_url, args.access_log) as (base, _),
    ):
        with urllib.request.urlopen(base + "/health", timeout=10) as resp:
            health_size = len(resp.read())
        cookie, page = sign_in(base)
        # /health without the cookie, as a load balancer or Docker's HEALTHCHECK asks it.
        results = [
            to_result("/health", backend, run_wrk(base + "/health", args, lua)),
            to_result(
                "/ signed in",
                backend,
                run_wrk(base + "/", args, lua, {"Cookie": f"{SESSION_COOKIE}={cookie}"}),
            ),
        ]
    return results, {"/health": health_size, "/ signed in": len(page.encode())}


# -- PostgreSQL --------------------------------------------------------------------------------


async def _fresh_postgres(url: str) -> None:
    """Create the bench database if missing, and start from an empty schema."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    target = make_url(url)
    name = target.database or ""
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to wipe database {name!r}: its name must start with 'bench'")
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    engine = create_async_engine(target)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


# -- nginx -------------------------------------------------------------------------------------


def bench_nginx(sizes: dict[str, int], args: argparse.Namespace, lua: Path) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "www"
        root.mkdir()
        # Files of the same sizes as our answers, so both send the same bytes per request.
        (root / "health").write_bytes(b"x" * sizes["/health"])
        (root / "index.html").write_bytes(b"x" * sizes["/ signed in"])
        # nginx's workers drop to "nobody" when started as root: let them read the files.
        for path in (tmp, root, root / "health", root / "index.html"):
            path.chmod(0o755)
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(workers=args.nginx_workers, tmp=tmp, port=port, root=root)
        )
        # -e: the built-in error log path (/var/log/nginx) may not be writable by us.
        proc = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(tmp), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/health", 10, proc)
            return [
                to_result("/health", "nginx", run_wrk(base + "/health", args, lua)),
                to_result("/ signed in", "nginx", run_wrk(base + "/", args, lua)),
            ]
        finally:
            stop(proc, "nginx")


# -- main --------------------------------------------------------------------------------------


def print_table(
    results: list[Result], reference: dict[str, Result], args: argparse.Namespace
) -> None:
    print(
        f"\nwrk: {args.connections} connections, {args.threads} threads, {args.duration} s "
        f"per run; nginx: {args.nginx_workers} worker(s), static files of the same sizes; "
        f"{os.cpu_count()} CPUs"
    )
    head = (
        f"{'target':<12} {'backend':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bad':>5}"
        f" | {'nginx req/s':>11} {'nginx p99':>9} | {'req/s ratio':>11} {'p99 ratio':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        ref = reference[r.target]
        print(
            f"{r.target:<12} {r.backend:<9} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
            f" {r.bad:>5} | {ref.rps:>11.0f} {ref.p99_ms:>9.2f} |"
            f" {r.rps / ref.rps:>11.3f} {r.p99_ms / max(ref.p99_ms, 1e-3):>9.1f}"
        )
    print(
        "req/s ratio = ours / nginx (higher is better); p99 ratio = ours / nginx (lower is better)"
    )
    if any(r.bad for r in [*results, *reference.values()]):
        print("WARNING: some requests failed or were not 200; see the 'bad' column")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL (database name 'bench...')"
    )
    parser.add_argument(
        "--nginx-workers", default="1", help="nginx worker_processes (1, like our one process)"
    )
    parser.add_argument(
        "--access-log", action="store_true", help="keep the server's access log on (off by default)"
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output")
    args = parser.parse_args(argv)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found; apt-get install -y {tool}")
    if args.postgres:
        asyncio.run(_fresh_postgres(args.postgres))

    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        lua = Path(tmp) / "report.lua"
        lua.write_text(WRK_LUA)
        results, sizes = bench_server("sqlite", "", args, lua)
        if args.postgres:
            pg_results, _ = bench_server("postgres", args.postgres, args, lua)
            results += pg_results
        reference = {r.target: r for r in bench_nginx(sizes, args, lua)}
    print_table(results, reference, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
