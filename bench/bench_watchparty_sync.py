"""Watch together in headless Chromium: how closely three members follow the room's clock.

Starts `mediaserver serve` on a temp data dir with one packaged title (library policy
"preencode": every member plays the HLS ladder through hls.js), signs three users in, each in its
own browser context of one headless Chromium (Playwright, /usr/bin/chromium), and puts them in one
room whose control is "everyone". Then:

1. sync: the room plays; after the members settle (all within 100 ms), every member's
   |video.currentTime - room position| (window.__room.roomPosition(), read in the same task) is
   sampled every 250 ms for --seconds: p95 and max over all samples, drift-correction seeks per
   member in the window, and the lowest and highest playback rate seen (the sync nudges the rate
   within 0.95..1.05).
2. command latency: one member presses pause; the time from the press to the last member's
   'pause' event (every page reads the same machine clock), --tries times (p50, p95).
3. sync with one member slowed: that member's page goes through a loopback TCP proxy that holds
   each WebSocket chunk 150 ms each way (300 ms added round trip) and DevTools latency of 300 ms on
   its HTTP requests (Chromium's emulation does not delay WebSocket frames); sampled as in 1.

Targets: p95 <= 50 ms, max <= 100 ms, at most one seek per member per minute, rates within
0.95..1.05, command p95 <= 200 ms. The last line reads `sync p95 <N> ms, max <M> ms` (the worse of
runs 1 and 3).

    python bench/bench_watchparty_sync.py            # 60 s windows, 20 commands
    python bench/bench_watchparty_sync.py --quick    # 10 s windows, 5 commands
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_first_frame import api as http_api  # noqa: E402
from bench_first_frame import file_ids, wait_jobs  # noqa: E402
from bench_http import PASSWORD, USERNAME, running_server  # noqa: E402
from bench_serving import sign_in as http_sign_in  # noqa: E402

from tests.media_factory import make_video  # noqa: E402
from tests.watchparty.browser_room import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_SYNC,
    SAMPLE,
    DelayProxy,
    api,
    create_room,
    create_user,
    join,
    sign_in,
)

MARK_EVENTS = """() => {
  const v = document.getElementById('video');
  window.__events = {pause: null, playing: null};
  const now = () => performance.timeOrigin + performance.now();
  v.addEventListener('pause', () => { window.__events.pause = now(); });
  v.addEventListener('playing', () => { window.__events.playing = now(); });
}"""
PRESS_PLAY_BUTTON = """() => {
  window.__events.pause = window.__events.playing = null;
  const t = performance.timeOrigin + performance.now();
  document.getElementById('play').click();
  return t;
}"""


SEEK_TO = """(t) => { const s = document.getElementById('seek'); s.value = String(t);
  s.dispatchEvent(new Event('change', {bubbles: true})); }"""


def ready_file(opener, base: str, csrf: str, packaged: bool) -> int:
    """The title's media file id once scanned (and packaged, for the ladder)."""
    if packaged:
        wait_jobs(opener, base, 900)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            found = file_ids(opener, base, csrf)
        except (IndexError, KeyError):  # listed before its file was
            found = {}
        if "Together" in found:
            return found["Together"]
        time.sleep(0.5)
    raise RuntimeError("the title was not scanned in time")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def settle(pages, timeout_s: float) -> float:
    """Seconds until every member is within 100 ms of the room (all at once)."""
    started = time.monotonic()
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        states = [p.evaluate(SAMPLE) for p in pages]
        if all(s["playing"] and not s["paused"] for s in states) and all(
            p.evaluate(IN_SYNC, 0.1) for p in pages
        ):
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"members not within 100 ms of the room after {timeout_s:.0f} s: {states}")


def sample(pages, seconds: float) -> dict[str, object]:
    """Every 250 ms: each member's drift and rate; drift seeks counted over the window."""
    drift: list[float] = []
    per_member: list[list[float]] = [[] for _ in pages]
    rates: list[float] = []
    seeks0 = [p.evaluate(SAMPLE)["seeks"] for p in pages]
    end = time.monotonic() + seconds
    next_at = time.monotonic()
    not_playing = 0
    while time.monotonic() < end:
        for i, page in enumerate(pages):
            s = page.evaluate(SAMPLE)
            if not s["playing"]:
                # The room waits for a member who stalled (the buffering rule): not drift.
                not_playing += 1
                continue
            d = abs(s["t"] - s["room"]) * 1000
            drift.append(d)
            per_member[i].append(d)
            rates.append(s["rate"])
        next_at += 0.25
        time.sleep(max(0.0, next_at - time.monotonic()))
    seeks = [p.evaluate(SAMPLE)["seeks"] - s0 for p, s0 in zip(pages, seeks0, strict=True)]
    return {
        "samples": len(drift),
        "room_waiting_samples": not_playing,
        "p50": percentile(drift, 50),
        "p95": percentile(drift, 95),
        "max": max(drift, default=math.nan),
        "p95_by_member": [round(percentile(m, 95), 1) for m in per_member],
        "seeks": seeks,
        "rate_min": min(rates, default=math.nan),
        "rate_max": max(rates, default=math.nan),
    }


def command_latency(pages, tries: int) -> tuple[list[float], list[float]]:
    """ms from a member's pause press to the last member paused (and the same for play)."""
    for page in pages:
        page.evaluate(MARK_EVENTS)
    pauses, plays = [], []
    presser = pages[1]
    for _ in range(tries):
        for want, results in (("pause", pauses), ("playing", plays)):
            t0 = presser.evaluate(PRESS_PLAY_BUTTON)
            for page in pages:
                page.wait_for_function(f"() => window.__events.{want} != null", timeout=10000)
            results.append(max(p.evaluate(f"() => window.__events.{want}") for p in pages) - t0)
            for page in pages:
                page.evaluate("() => { window.__events.pause = window.__events.playing = null; }")
            time.sleep(0.6)
    return pauses, plays


def report(label: str, found: dict[str, object]) -> None:
    print(
        f"{label:<28} | {found['samples']:>7} | {found['room_waiting_samples']:>7} | "
        f"{found['p50']:>6.1f} | {found['p95']:>6.1f} | "
        f"{found['max']:>6.1f} | {','.join(str(s) for s in found['seeks']):<9} | "  # type: ignore[union-attr]
        f"{found['rate_min']:.3f}..{found['rate_max']:.3f} | {found['p95_by_member']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="sampling window per run (60)")
    parser.add_argument("--tries", type=int, default=20, help="pause commands timed (20)")
    parser.add_argument("--quick", action="store_true", help="10 s windows, 5 commands")
    parser.add_argument("--latency-ms", type=float, default=300, help="added round trip (300)")
    parser.add_argument(
        "--policy",
        choices=("preencode", "on_the_fly"),
        default="preencode",
        help="packaged ladder (preencode, the default) or served on the fly (remux)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.tries = 10, 5
    if not Path(CHROMIUM).exists():
        print("needs /usr/bin/chromium (the Debian package)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    # Long enough for both windows, the commands and the settling, from one seek back each run.
    clip = max(60.0, 2 * args.seconds + 60)
    with tempfile.TemporaryDirectory(prefix="bench-watchparty-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "media" / "Together (2024)"
        folder.mkdir(parents=True)
        make_video(
            folder / "Together (2024).mkv", seconds=clip, width=640, height=360, fps=24,
            subtitle_tracks=(),
        )  # fmt: skip
        with running_server(tmp, "", False) as (base, _proc):
            opener, csrf = http_sign_in(base)
            body = {"name": "Films", "kind": "movies", "policy": args.policy}
            http_api(
                opener,
                base,
                csrf,
                "POST",
                "/api/v1/libraries",
                body | {"paths": [str(tmp / "media")]},
            )
            started = time.monotonic()
            media_file_id = ready_file(opener, base, csrf, args.policy == "preencode")
            print(
                f"{args.policy}: a {clip:.0f} s title ready in {time.monotonic() - started:.1f} s"
            )
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                host = sign_in(browser, base, USERNAME, PASSWORD)
                ids = [create_user(host, name) for name in ("member2", "member3")]
                room_id = create_room(host, media_file_id, control="everyone")
                api(host, "POST", f"/api/v1/rooms/{room_id}/members", {"user_ids": ids})
                pages = [host] + [sign_in(browser, base, n) for n in ("member2", "member3")]
                for page in pages:
                    join(page, f"/rooms/{room_id}", base)
                host.evaluate("() => document.getElementById('play').click()")
                took = settle(pages, 60)
                print(f"3 members playing and within 100 ms of the room {took:.1f} s after Play")
                plain = sample(pages, args.seconds)

                pauses, plays = command_latency(pages, args.tries)

                # One member again, its WebSocket through the delaying proxy, HTTP slowed by CDP.
                pages[2].context.close()
                half = args.latency_ms / 2000
                with DelayProxy(int(base.rsplit(":", 1)[1]), half) as proxy:
                    slow = sign_in(browser, base, "member3")
                    cdp = slow.context.new_cdp_session(slow)
                    cdp.send("Network.enable")
                    cdp.send(
                        "Network.emulateNetworkConditions",
                        {"offline": False, "latency": args.latency_ms, "downloadThroughput": -1,
                         "uploadThroughput": -1},
                    )  # fmt: skip
                    join(slow, f"http://127.0.0.1:{proxy.port}/rooms/{room_id}")
                    pages[2] = slow
                    settle(pages, 90)
                    # Back near the start, so that the window fits in the title.
                    host.evaluate(SEEK_TO, 5)
                    time.sleep(1)
                    took = settle(pages, 90)
                    rtt = slow.evaluate("() => window.__room.rtt")
                    print(
                        f"slowed member: measured round trip {rtt:.0f} ms; settled in {took:.1f} s"
                    )
                    slowed = sample(pages, args.seconds)
                    slow.context.close()
                browser.close()

    print(f"\nsync in headless Chromium, 3 members, sampled every 250 ms for {args.seconds:g} s:")
    print(
        f"{'run':<28} | samples | waiting | p50 ms | p95 ms | max ms | seeks     | rates"
        "        | p95 each"
    )
    report("loopback", plain)
    report(f"one member +{args.latency_ms:g} ms", slowed)
    print("targets: p95 <= 50 ms, max <= 100 ms, <= 1 seek per member per minute, rates 0.95..1.05")
    print(
        f"command latency, press to every member ({len(pauses)} tries): pause p50 "
        f"{percentile(pauses, 50):.0f} ms, p95 {percentile(pauses, 95):.0f} ms (target <= 200); "
        f"play p50 {percentile(plays, 50):.0f} ms, p95 {percentile(plays, 95):.0f} ms"
    )
    print(
        json.dumps(
            {"plain": plain, "slowed": slowed, "pause_ms": pauses, "play_ms": plays}, default=float
        )
    )
    p95 = max(float(plain["p95"]), float(slowed["p95"]))  # type: ignore[arg-type]
    worst = max(float(plain["max"]), float(slowed["max"]))  # type: ignore[arg-type]
    print(f"sync p95 {p95:.0f} ms, max {worst:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
