"""Watch-together at scale: thousands of members in hundreds of rooms on one server process.

Starts `mediaserver serve` on a temp data dir (as bench_http.py does) with the per-user room cap
raised, makes host and member accounts with API keys through the admin API, a title, and --rooms
rooms of --members members each (the host included). Every member is a `websockets` client
(Authorization: Bearer, as a non-browser client connects), run in --workers client processes;
each sends its status every 5 s and a clock ping every 10 s, and each host issues play, pause or
seek at random intervals (mean --command-every seconds).

Measured over --duration seconds once every socket is open:
  * fan-out latency: host sends a command -> each member of its room receives the new state
    (one loopback clock: a room's clients all live in one process), p50/p95/p99/max;
  * command latency: host sends -> the last member of the room has the state;
  * dropped connections (a socket that closed or failed to open before the end) and error
    replies by code;
  * the server's CPU (user + system time over the window, 100% = one core) and RSS (peak).
Target: p99 <= 50 ms and 0 dropped for 2,000 members in 400 rooms.

    python bench/bench_watchparty_scale.py                # 400 rooms x 5 members, 60 s
    python bench/bench_watchparty_scale.py --quick        # 20 rooms x 5 members, 10 s
    python bench/bench_watchparty_scale.py --nice -10     # ahead of other work on the machine
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from bench_http import PASSWORD, USERNAME, free_port, server_env, stop, wait_http
from bench_serving import sign_in

MEMBER_PASSWORD = "bench-member-password-1"
STATUS_EVERY = 5.0
PING_EVERY = 10.0
MAX_ROOMS_PER_USER = 100  # the setting's ceiling; hosts share the rooms out
AUTOGROUP = Path("/proc/self/autogroup")


# -- the server and what it holds -------------------------------------------------------------


@contextlib.contextmanager
def watchparty_server(
    workdir: Path, database_url: str, members: int, profile: str | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, str]]]:
    """`mediaserver serve` with the room caps raised for the bench; yields (base, proc, env)."""
    port = free_port()
    env = server_env(workdir, port, database_url, False)
    env["MEDIASERVER_WATCHPARTY__MAX_ROOMS_PER_USER"] = str(MAX_ROOMS_PER_USER)
    env["MEDIASERVER_WATCHPARTY__MAX_MEMBERS"] = str(max(members, 2))
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
        profiler = ["-m", "cProfile", "-o", profile] if profile else []
        proc = subprocess.Popen(
            [sys.executable, *profiler, "-m", "mediaserver", "serve"],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 30, proc)
            yield f"http://127.0.0.1:{port}", proc, env
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            stop(proc, "mediaserver")


async def add_title(env: dict[str, str]) -> int:
    """A library, a movie and its media file, straight into the database (nothing is played:
    the room never hands out media, so the file need not exist)."""
    from mediaserver.config_loading import load_settings
    from mediaserver.db.catalog_schema import libraries, media_files, titles
    from mediaserver.db.engine import create_database

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
                        paths=["/nonexistent/bench"],
                        policy="on_the_fly",
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(libraries.c.id)
                )
            ).scalar_one()
            title_id = (
                await conn.execute(
                    titles.insert()
                    .values(
                        library_id=library_id,
                        kind="movie",
                        title="Bench Movie",
                        sort_title="bench movie",
                        provider_ids={},
                        locked_fields=[],
                        source_key="bench",
                        added_at=now,
                        updated_at=now,
                        runtime_seconds=7200.0,
                    )
                    .returning(titles.c.id)
                )
            ).scalar_one()
            return (
                await conn.execute(
                    media_files.insert()
                    .values(
                        library_id=library_id,
                        title_id=title_id,
                        path="/nonexistent/bench/bench.mkv",
                        display_path="bench.mkv",
                        size=1,
                        mtime=now,
                        container="matroska,webm",
                        duration_seconds=7200.0,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                    .returning(media_files.c.id)
                )
            ).scalar_one()
    finally:
        await db.close()


@dataclass(frozen=True)
class Account:
    user_id: int
    key: str
    profile_id: int

    @property
    def headers(self) -> dict[str, str]:
        """An API key acting as the account's first profile."""
        return {"Authorization": f"Bearer {self.key}", "X-Profile-Id": str(self.profile_id)}


def make_accounts(base: str, hosts: int, members: int) -> tuple[list[Account], list[Account]]:
    """Host and member accounts, each with an API key, through the admin's JSON API."""
    opener, csrf = sign_in(base)

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            base + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        with opener.open(request, timeout=30) as resp:
            return dict(json.loads(resp.read()))

    def account(name: str) -> Account:
        user = post("/api/v1/users", {"username": name, "password": MEMBER_PASSWORD})
        made = post("/api/v1/api-keys", {"name": f"{name} key", "user_id": user["id"]})
        request = urllib.request.Request(
            base + "/api/v1/profiles", headers={"Authorization": f"Bearer {made['key']}"}
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            profile = json.loads(resp.read())["profiles"][0]
        return Account(int(user["id"]), str(made["key"]), int(profile["id"]))

    return (
        [account(f"host{i}") for i in range(hosts)],
        [account(f"member{i}") for i in range(members)],
    )


async def make_rooms(
    base: str, file_id: int, hosts: list[Account], members: list[Account], rooms: int
) -> list[dict[str, Any]]:
    """`rooms` rooms, host-controlled, each with every member account invited and joined."""
    gate = asyncio.Semaphore(16)
    member_ids = [m.user_id for m in members]

    async def one(session: aiohttp.ClientSession, i: int) -> dict[str, Any]:
        host = hosts[i % len(hosts)]
        headers = host.headers
        async with gate:
            async with session.post(
                f"{base}/api/v1/rooms",
                json={"media_file_id": file_id, "control": "host"},
                headers=headers,
            ) as resp:
                if resp.status != 201:
                    raise RuntimeError(f"POST /api/v1/rooms: {resp.status} {await resp.text()}")
                room_id = (await resp.json())["room"]["id"]
            async with session.post(
                f"{base}/api/v1/rooms/{room_id}/members",
                json={"user_ids": member_ids},
                headers=headers,
            ) as resp:
                if resp.status >= 300:
                    raise RuntimeError(f"inviting members: {resp.status} {await resp.text()}")
            # Each invited member opens the room (joining it), as the Rooms page's link does.
            for member in members:
                async with session.get(
                    f"{base}/rooms/{room_id}", headers=member.headers, allow_redirects=False
                ) as resp:
                    if resp.status != 303:
                        raise RuntimeError(f"joining: {resp.status} {await resp.text()}")
        return {"id": room_id, "headers": [host.headers] + [m.headers for m in members]}

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        return list(await asyncio.gather(*(one(session, i) for i in range(rooms))))


# -- the simulated members (client processes) -------------------------------------------------


@dataclass
class RoomTrack:
    """One room's clock marks: when the host sent each command, when each client saw each seq."""

    sent: list[float] = field(default_factory=list)
    arrivals: dict[int, list[float]] = field(default_factory=dict)


@dataclass
class WorkerResult:
    fanout_ms: list[float] = field(default_factory=list)
    command_ms: list[float] = field(default_factory=list)
    rtt_ms: list[float] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    commands: int = 0
    messages_in: int = 0
    cpu_seconds: float = 0.0  # this client process's CPU time over the window


class Client:
    """One member's socket: reads everything, sends status and pings, and (host) commands."""

    def __init__(
        self,
        ws_url: str,
        headers: dict[str, str],
        track: RoomTrack,
        is_host: bool,
        out: WorkerResult,
    ):
        self.ws_url, self.headers, self.track = ws_url, headers, track
        self.is_host, self.out = is_host, out
        self.ws: Any = None
        self.last_seq = -1
        self.position = 0.0
        self.playing = False
        self.pings: dict[int, float] = {}
        self.stopping = False

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.ws_url,
            additional_headers=self.headers,
            proxy=None,
            ping_interval=None,  # the server's heartbeat keeps the socket checked
            open_timeout=60,
            max_size=1 << 20,
        )

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.monotonic()
                self.out.messages_in += 1
                message = json.loads(raw)
                kind = message.get("type")
                if kind in ("state", "welcome"):
                    room = message["room"]
                    if room["seq"] > self.last_seq:
                        self.last_seq = room["seq"]
                        self.playing, self.position = room["playing"], room["position"]
                        if kind == "state":
                            self.track.arrivals.setdefault(room["seq"], []).append(now)
                elif kind == "pong":
                    began = self.pings.pop(message["id"], None)
                    if began is not None:
                        self.out.rtt_ms.append((now - began) * 1000)
                elif kind == "error":
                    code = str(message.get("code"))
                    self.out.errors[code] = self.out.errors.get(code, 0) + 1
                elif kind in ("ended", "removed"):
                    break
        except ConnectionClosed:
            pass
        if not self.stopping:
            code = getattr(self.ws, "close_code", None)
            self.out.dropped.append(f"closed by the server ({code})")

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def chatter(self, deadline: float, command_every: float) -> None:
        """Status every 5 s, a clock ping every 10 s, and (host) a command now and then."""
        ping_id = 0
        next_status = time.monotonic() + random.uniform(0, STATUS_EVERY)
        next_ping = time.monotonic() + random.uniform(0, PING_EVERY)
        next_command = time.monotonic() + random.expovariate(1 / command_every)
        while (now := time.monotonic()) < deadline and not self.stopping:
            if now >= next_status:
                state = "watching" if self.playing else "paused"
                await self.send({"type": "status", "state": state, "position": self.position})
                next_status += STATUS_EVERY
            if now >= next_ping:
                ping_id += 1
                self.pings[ping_id] = time.monotonic()
                await self.send({"type": "ping", "id": ping_id, "t0": time.time() * 1000})
                next_ping += PING_EVERY
            if self.is_host and now >= next_command:
                await self.command()
                next_command = now + max(0.5, random.expovariate(1 / command_every))
            wake = min(next_status, next_ping, next_command if self.is_host else deadline)
            await asyncio.sleep(max(0.0, min(wake, deadline) - time.monotonic()))

    async def command(self) -> None:
        kind = random.choice(("play", "pause", "seek"))
        message: dict[str, Any] = {"type": kind}
        if kind == "seek":
            message["position"] = round(random.uniform(0, 7000), 3)
        self.track.sent.append(time.monotonic())
        self.out.commands += 1
        await self.send(message)


def attribute(track: RoomTrack, recipients: int, out: WorkerResult) -> None:
    """Each command's state is the first new seq to arrive after it was sent (commands are
    seconds apart, deliveries milliseconds); its arrivals give the fan-out latencies."""
    seqs = sorted((min(times), seq) for seq, times in track.arrivals.items())
    sent = sorted(track.sent)
    for i, began in enumerate(sent):
        until = sent[i + 1] if i + 1 < len(sent) else float("inf")
        seq = next((s for first, s in seqs if began <= first < until), None)
        if seq is None:
            continue
        times = track.arrivals[seq]
        out.fanout_ms += [(t - began) * 1000 for t in times]
        if len(times) >= recipients:
            out.command_ms.append((max(times) - began) * 1000)


async def run_clients(
    ws_base: str, rooms: list[dict[str, Any]], args: dict[str, Any], barrier: Any
) -> WorkerResult:
    out = WorkerResult()
    tracks = [RoomTrack() for _ in rooms]
    clients = [
        Client(f"{ws_base}/api/v1/rooms/{room['id']}/ws", headers, track, i == 0, out)
        for room, track in zip(rooms, tracks, strict=True)
        for i, headers in enumerate(room["headers"])
    ]
    gate = asyncio.Semaphore(32)

    async def open_one(client: Client) -> bool:
        async with gate:
            try:
                await client.connect()
            except Exception as exc:  # noqa: BLE001 -- any failure to open counts as dropped
                out.dropped.append(f"connect: {type(exc).__name__}: {exc}"[:200])
                return False
        return True

    opened = await asyncio.gather(*(open_one(c) for c in clients))
    live = [c for c, ok in zip(clients, opened, strict=True) if ok]
    readers = [asyncio.create_task(c.read()) for c in live]
    await asyncio.to_thread(barrier.wait)
    # Welcome messages and join noise settle before the window; marks before it are dropped.
    for track in tracks:
        track.arrivals.clear()
    deadline = time.monotonic() + args["duration"]
    cpu_began = time.process_time()
    await asyncio.gather(*(c.chatter(deadline, args["command_every"]) for c in live))
    out.cpu_seconds = time.process_time() - cpu_began
    await asyncio.sleep(1.0)  # the last commands' states are still on their way
    for c in live:
        c.stopping = True
    await asyncio.gather(*(c.ws.close() for c in live), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)
    for room, track in zip(rooms, tracks, strict=True):
        attribute(track, len(room["headers"]), out)
    return out


def worker(
    ws_base: str, rooms: list[dict[str, Any]], args: dict[str, Any], barrier: Any, results: Any
) -> None:
    if args["nice"]:
        os.setpriority(os.PRIO_PROCESS, 0, args["nice"])
    try:
        out = asyncio.run(run_clients(ws_base, rooms, args, barrier))
    except BaseException as exc:
        barrier.abort()
        results.put({"failed": f"{type(exc).__name__}: {exc}"})
        raise
    results.put(out.__dict__)


@contextlib.contextmanager
def session_priority(nice: int) -> Iterator[None]:
    """With autogroup scheduling a nice value counts only inside its session: for the run, the
    session's weight against the machine's other sessions is set too, then put back."""
    before = None
    if nice:
        with contextlib.suppress(OSError, IndexError):
            before = AUTOGROUP.read_text().split()[-1]
            AUTOGROUP.write_text(str(nice))
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                AUTOGROUP.write_text(before)


# -- measuring the server ---------------------------------------------------------------------


class ServerMeter:
    """CPU time over the window and peak RSS of the server process (psutil)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self.began = (0.0, 0.0)

    def start(self) -> None:
        times = self.proc.cpu_times()
        self.began = (time.monotonic(), times.user + times.system)

    def sample(self) -> None:
        self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)

    def cpu_percent(self) -> float:
        times = self.proc.cpu_times()
        wall = time.monotonic() - self.began[0]
        return (times.user + times.system - self.began[1]) / wall * 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    return (
        f"{name}: {len(values)} samples  p50 {statistics.median(values):.1f} ms  "
        f"p95 {percentile(values, 0.95):.1f} ms  p99 {percentile(values, 0.99):.1f} ms  "
        f"max {max(values):.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=400, help="rooms (400)")
    parser.add_argument("--members", type=int, default=5, help="members per room, host too (5)")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds (60)")
    parser.add_argument(
        "--command-every", type=float, default=8.0, help="mean seconds between a host's commands"
    )
    parser.add_argument("--workers", type=int, default=2, help="client processes (2)")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database")
    parser.add_argument(
        "--quick", action="store_true", help="20 rooms x 5 members for 10 s (a smoke run)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="run the server under cProfile, its stats to FILE"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority of the server and the clients (negative needs root): on a "
        "machine busy with other work, measures what the server does when it gets the CPU",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rooms, args.members, args.duration = 20, 5, 10.0
    if args.members < 2:
        parser.error("--members must be at least 2 (the host and one more)")
    total = args.rooms * args.members
    hosts = -(-args.rooms // MAX_ROOMS_PER_USER)

    database = args.postgres or ""
    with (
        tempfile.TemporaryDirectory(prefix="bench-watchparty-") as tmp,
        watchparty_server(Path(tmp), database, args.members, args.profile) as (base, proc, env),
        session_priority(args.nice),
    ):
        file_id = asyncio.run(add_title(env))
        host_accounts, member_accounts = make_accounts(base, hosts, args.members - 1)
        began = time.monotonic()
        rooms = asyncio.run(make_rooms(base, file_id, host_accounts, member_accounts, args.rooms))
        print(f"{len(rooms)} rooms made in {time.monotonic() - began:.1f} s")

        ctx = mp.get_context("spawn")
        workers = max(1, min(args.workers, len(rooms)))
        barrier = ctx.Barrier(workers + 1)
        results = ctx.Queue()
        shared = {
            "duration": args.duration,
            "command_every": args.command_every,
            "nice": args.nice,
        }
        if args.nice:
            psutil.Process(proc.pid).nice(args.nice)
        ws_base = base.replace("http://", "ws://", 1)
        procs = [
            ctx.Process(target=worker, args=(ws_base, rooms[i::workers], shared, barrier, results))
            for i in range(workers)
        ]
        meter = ServerMeter(proc.pid)
        began = time.monotonic()
        for p in procs:
            p.start()
        barrier.wait(timeout=600)
        print(
            f"{total} sockets opened in {time.monotonic() - began:.1f} s; measuring "
            f"{args.duration:.0f} s"
        )
        meter.start()
        window_end = time.monotonic() + args.duration
        while time.monotonic() < window_end:
            meter.sample()
            time.sleep(1.0)
        cpu = meter.cpu_percent()
        meter.sample()
        outs = [results.get(timeout=600) for _ in procs]
        for p in procs:
            p.join(60)

    failed = [o["failed"] for o in outs if "failed" in o]
    if failed:
        raise SystemExit(f"a client process failed: {failed[0]}")
    merged = WorkerResult()
    for o in outs:
        merged.fanout_ms += o["fanout_ms"]
        merged.command_ms += o["command_ms"]
        merged.rtt_ms += o["rtt_ms"]
        merged.dropped += o["dropped"]
        merged.commands += o["commands"]
        merged.messages_in += o["messages_in"]
        merged.cpu_seconds += o["cpu_seconds"]
        for code, n in o["errors"].items():
            merged.errors[code] = merged.errors.get(code, 0) + n
    rss_mib = meter.peak_rss / 1024 / 1024
    p99 = percentile(merged.fanout_ms, 0.99)
    print(
        f"\n{args.rooms} rooms x {args.members} members = {total} sockets, {args.duration:.0f} s, "
        f"{merged.commands} commands, {merged.messages_in} messages received; "
        f"{os.cpu_count()} CPUs, {workers} client processes, nice {args.nice}"
    )
    print(summary("fan-out (host sends -> each member has the state)", merged.fanout_ms))
    print(summary("command (host sends -> the whole room has it)", merged.command_ms))
    print(summary("ping round trip", merged.rtt_ms))
    print(f"error replies: {merged.errors or 'none'}")
    print(
        f"client processes' CPU: {merged.cpu_seconds / args.duration * 100:.0f}% "
        f"(of {workers * 100}%); load average {os.getloadavg()[0]:.1f}"
    )
    for line in sorted(set(merged.dropped))[:10]:
        print("  dropped:", line)
    ok = merged.fanout_ms and p99 <= 50 and not merged.dropped
    print("target (fan-out p99 <= 50 ms, 0 dropped):", "met" if ok else "NOT met")
    print(
        f"fan-out p99 {p99:.1f} ms, {len(merged.dropped)} dropped of {total}, "
        f"server CPU {cpu:.0f}%, RSS {rss_mib:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
