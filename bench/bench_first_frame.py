"""Time from clicking Play to the first decoded frame, in headless Chromium on this machine.

Starts `mediaserver serve` on a temp data dir with two small titles: one packaged ahead (library
policy "preencode": the player gets the HLS ladder) and one that the browser cannot decode (MPEG-4
Part 2 video, policy "on_the_fly": the player gets an on-the-fly transcode). Headless Chromium
(Playwright, /usr/bin/chromium) opens /watch/<id>?t=<s> several times per title, each at a new
position so that no segment is served from a cache. Navigation start is the Play click (a click on
a Play link starts exactly this navigation); the player records the first decoded frame with
requestVideoFrameCallback (window.msPlayer.qoe.ttff, the figure it also reports as QoE).

Side by side, the reference: hls.js from the same vendored file, in the same browser, on a static
page served by nginx (temp config, non-root friendly) together with the same packaged ladder
files; the same clock (navigation start to the first requestVideoFrameCallback).

    python bench/bench_first_frame.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_http import PASSWORD, USERNAME, free_port, running_server, stop, wait_http  # noqa: E402
from bench_serving import sign_in  # noqa: E402

from tests.media_factory import make_video  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
HLS_JS = ROOT / "web/static/vendor/hls.js-1.7.4/hls.min.js"
NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  sendfile on;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ application/vnd.apple.mpegurl m3u8; video/mp4 m4s mp4; text/html html;
          application/javascript js; text/vtt vtt; image/jpeg jpg; }}
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""
# The reference page: hls.js alone, as small as a page can be (a file, not inline script).
REF_HTML = """<!doctype html><meta charset="utf-8"><title>hls.js reference</title>
<video id="v" muted playsinline></video>
<script src="hls.min.js"></script><script src="ref.js"></script>
"""
REF_JS = """
const t = parseFloat(new URLSearchParams(location.search).get("t") || "0");
const v = document.getElementById("v");
const hls = new Hls({ enableWorker: false, startPosition: t });
v.requestVideoFrameCallback(() => { window.ttff = performance.now(); });
hls.loadSource("master.m3u8");
hls.attachMedia(v);
hls.on(Hls.Events.MANIFEST_PARSED, () => v.play());
"""


def api(opener, base: str, csrf: str, method: str, path: str, body: object = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"}
        | ({"X-CSRF-Token": csrf} if method != "GET" else {}),
    )
    with opener.open(request, timeout=60) as resp:
        return json.loads(resp.read() or b"null")


def wait_jobs(opener, base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = api(opener, base, "", "GET", "/api/v1/jobs")["jobs"]  # type: ignore[index]
        failed = [j for j in jobs if j["status"] == "failed"]
        if failed:
            raise RuntimeError(f"a job failed: {failed[0]}")
        packaged = [j for j in jobs if j["type"] == "media.package" and j["status"] == "succeeded"]
        if packaged and all(j["status"] in ("succeeded", "cancelled") for j in jobs):
            return
        time.sleep(0.5)
    raise RuntimeError("packaging did not finish in time")


def file_ids(opener, base: str, csrf: str) -> dict[str, int]:
    """Media file id per title name, through the admin titles API."""
    found = {}
    for title in api(opener, base, csrf, "GET", "/api/v1/titles")["titles"]:  # type: ignore[index]
        files = api(opener, base, csrf, "GET", f"/api/v1/titles/{title['id']}/files")
        found[title["title"]] = files["files"][0]["id"]  # type: ignore[index]
    return found


@contextmanager
def nginx(root: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-ff-nginx-") as tmp_name:
        tmp = Path(tmp_name)
        site = tmp / "site"  # a copy, readable by nginx's workers ("nobody" when run as root)
        shutil.copytree(root, site)
        for path in (tmp, *tmp.rglob("*")):
            path.chmod(0o755)
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=site))
        proc = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(tmp), "-e", "stderr"], stdout=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/master.m3u8", 10, proc)
            yield base
        finally:
            stop(proc, "nginx")


def first_frames(page, url: str, expression: str, offsets: list[float]) -> list[float]:
    """Milliseconds from navigation start to the first frame, one page load per offset."""
    times = []
    for t in offsets:
        page.goto("about:blank")
        page.goto(f"{url}?t={t:g}")
        try:
            page.wait_for_function(f"() => {expression} != null", timeout=30000)
        except Exception:  # noqa: BLE001 - report what the page shows, then go on
            state = page.evaluate(
                "() => { const v = document.querySelector('video'); const m ="
                " document.getElementById('message'); return [v && v.readyState,"
                " v && v.currentTime, v && v.error && v.error.message, m && m.textContent]; }"
            )
            print(f"no first frame within 30 s at t={t:g} on {url}: {state}", file=sys.stderr)
            print_timeline(page, f"t={t:g} (no frame)")
            continue
        times.append(float(page.evaluate(f"() => {expression}")))
    return times


def print_timeline(page, label: str) -> None:
    """Where the last page load's time went: each request's start and end after navigation."""
    entries = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => "
        "[e.name.split('?')[0].split('/').slice(-2).join('/'), e.startTime, e.responseEnd])"
    )
    nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
    print(f"--- {label}: page HTML done at {nav:.0f} ms")
    for mark, at in page.evaluate(
        "() => performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"
    ):
        print(f"  {at:7.0f}             {mark}")
    for name, start, end in entries:
        print(f"  {start:7.0f} -> {end:7.0f} ms  {name[-60:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads per title (5)")
    parser.add_argument("--seconds", type=float, default=30, help="length of the test titles")
    parser.add_argument("--trace", action="store_true", help="print each title's last requests")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists() or shutil.which("nginx") is None:
        print("needs /usr/bin/chromium and nginx (Debian packages)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    step = max(2.0, (args.seconds - 6) / max(1, args.runs))
    offsets = [round(i * step, 1) for i in range(args.runs)]
    with tempfile.TemporaryDirectory(prefix="bench-first-frame-") as tmp_name:
        tmp = Path(tmp_name)
        for name, codec in (("Packaged", None), ("Live", "mpeg4")):
            folder = tmp / "media" / name / f"{name} Clip (2020)"
            folder.mkdir(parents=True)
            make_video(
                folder / f"{name} Clip (2020).mkv",
                seconds=args.seconds,
                width=1280,
                height=720,
                fps=24,
                video_codec=codec,
                subtitle_tracks=(),
            )
        with running_server(tmp, "", False) as (base, _proc):
            opener, csrf = sign_in(base)
            for name, policy in (("Packaged", "preencode"), ("Live", "on_the_fly")):
                body = {"name": name, "kind": "movies", "policy": policy}
                body["paths"] = [str(tmp / "media" / name)]
                api(opener, base, csrf, "POST", "/api/v1/libraries", body)
            started = time.monotonic()
            wait_jobs(opener, base, 600)
            print(f"packaged in {time.monotonic() - started:.1f} s")
            ids = file_ids(opener, base, csrf)
            master = next((tmp / "data").rglob("master.m3u8"))
            ladder = master.parent
            shutil.copy(HLS_JS, ladder / "hls.min.js")
            (ladder / "ref.html").write_text(REF_HTML)
            (ladder / "ref.js").write_text(REF_JS)

            results: dict[str, list[float]] = {}
            with sync_playwright() as pw, nginx(ladder) as nbase:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
                )
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(base + "/login")
                page.locator("input[name=username]").fill(USERNAME)
                page.locator("input[name=password]").fill(PASSWORD)
                page.locator("button[type=submit]").click()
                page.wait_for_url("**/profiles")
                page.locator("button.profile-tile").first.click()
                page.wait_for_load_state()
                ttff = "window.msPlayer && window.msPlayer.qoe.ttff"
                method = "window.msPlayer.playback.method"
                for name, label in (
                    ("Packaged Clip", "ours, packaged"),
                    ("Live Clip", "ours, on the fly"),
                ):
                    url = f"{base}/watch/{ids[name]}"
                    results[label] = first_frames(page, url, ttff, offsets)
                    results[label + " method"] = [page.evaluate(f"() => {method}")]  # type: ignore[list-item]
                    if args.trace:
                        print_timeline(page, label)
                results["hls.js + nginx, packaged"] = first_frames(
                    page, f"{nbase}/ref.html", "window.ttff", offsets
                )
                browser.close()

    reference = statistics.median(results["hls.js + nginx, packaged"])
    print(f"\nfirst decoded frame after Play, headless Chromium, {args.runs} runs each (median):")
    print(f"{'player':<28} | {'method':<10} | {'median ms':>9} | {'runs ms':<36} | ratio")
    for label, target in (
        ("ours, packaged", 1000),
        ("ours, on the fly", 2000),
        ("hls.js + nginx, packaged", None),
    ):
        times = results[label]
        if not times:
            print(f"{label:<28} | no run showed a frame")
            continue
        median = statistics.median(times)
        method = results.get(label + " method", ["ladder"])[0]
        runs = ", ".join(f"{t:.0f}" for t in times)
        goal = f" (target <= {target} ms)" if target else ""
        print(
            f"{label:<28} | {method!s:<10} | {median:>9.0f} | {runs:<36} | "
            f"{median / reference:.2f}x{goal}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
