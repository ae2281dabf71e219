"""Watch-together rooms driven in headless Chromium: users signed in in their own browser
contexts, a room made through the JSON API, and a loopback TCP proxy that slows one member's
WebSocket (Chromium's DevTools latency emulation delays HTTP requests but not WebSocket frames).

Used by the browser tests in this folder and by bench/bench_watchparty_sync.py.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Three members autoplay in one headless browser: a real member clicked Play to get here.
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = "watching together"

# One read of a member's player and its idea of the room, in the same task: the difference is
# the member's drift at that moment.
SAMPLE = """() => {
  const v = document.getElementById('video');
  const r = window.__room;
  return {t: v.currentTime, room: r ? r.roomPosition() : null, paused: v.paused,
          connected: !!(r && r.connected), seeks: r ? r.seeks : 0, rate: v.playbackRate,
          rateMin: r ? r.rateMin : null, rateMax: r ? r.rateMax : null,
          playing: !!(r && r.state() && r.state().playing), rtt: r ? r.rtt : null};
}"""
ROOM_STATE = "() => window.__room && window.__room.state()"
IN_SYNC = """(tol) => {
  const v = document.getElementById('video');
  const r = window.__room;
  if (!r || !r.connected || !r.state()) return false;
  const s = r.state();
  return v.paused === !s.playing && v.readyState >= 3 && !v.seeking
    && Math.abs(v.currentTime - r.roomPosition()) < tol;
}"""


def csrf_of(page) -> str:
    """The page's CSRF token (pages carry it in hx-headers; the player in a meta element)."""
    token = page.evaluate(
        """() => {
          const meta = document.querySelector('meta[name="csrf-token"]');
          if (meta) return meta.content;
          const h = document.body && document.body.getAttribute('hx-headers');
          if (h) return JSON.parse(h)['X-CSRF-Token'];
          const input = document.querySelector('input[name="csrf_token"]');
          return input ? input.value : null;
        }"""
    )
    assert token, f"no CSRF token on {page.url}"
    return str(token)


def api(page, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
    """A JSON API call with the page's session and CSRF token."""
    headers = {"Accept": "application/json"}
    if method != "GET":
        headers["X-CSRF-Token"] = csrf_of(page)
    base = re.match(r"https?://[^/]+", page.url)
    assert base, page.url
    resp = page.request.fetch(base.group(0) + path, method=method, headers=headers, data=body)
    if expect is not None:
        assert resp.status == expect, f"{method} {path}: {resp.status} {resp.text()[:500]}"
    is_json = resp.headers.get("content-type", "").startswith("application/json")
    return resp.json() if is_json else None


def create_user(admin_page, username: str) -> int:
    user = api(
        admin_page, "POST", "/api/v1/users",
        {"username": username, "password": PASSWORD, "role": "user"}, expect=201,
    )  # fmt: skip
    return int(user["id"])


def sign_in(browser, base: str, username: str, password: str = PASSWORD, **context_args):
    """A new browser context (a member's own browser) signed in, its first profile picked."""
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 800}} | context_args))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # type: ignore[attr-defined]
    page.goto(base + "/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/profiles*")
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    return page


def create_room(page, media_file_id: int, control: str = "host") -> str:
    body = {"media_file_id": media_file_id, "control": control}
    return str(api(page, "POST", "/api/v1/rooms", body, expect=201)["room"]["id"])


def invite_link(page, room_id: str, single_use: bool = False) -> str:
    body = {"hours": 1, "single_use": single_use}
    found = api(page, "POST", f"/api/v1/rooms/{room_id}/invites", body, expect=201)
    return str(found["invite"]["url"])


def join(page, url: str, base: str | None = None) -> None:
    """Open a room (an invite link or /rooms/<id>) and wait until the member is connected."""
    if url.startswith("/"):
        url = (base or re.match(r"https?://[^/]+", page.url).group(0)) + url  # type: ignore[union-attr]
    page.goto(url)
    page.wait_for_url(re.compile(r".*/watch/\d+\?room="), timeout=15000)
    page.wait_for_function("() => window.__room && window.__room.connected", timeout=15000)


def wait_in_sync(
    pages, tolerance: float = 0.05, timeout_ms: int = 45000, playing: bool | None = None
) -> None:
    """Until every member follows the room within `tolerance` seconds (and, when `playing` is
    given, the room is in that state); on a timeout, what each member showed."""
    want = "null" if playing is None else ("true" if playing else "false")
    check = f"""(tol) => {{
      const r = window.__room;
      if ({want} !== null && !(r && r.state() && r.state().playing === {want})) return false;
      return ({IN_SYNC})(tol);
    }}"""
    try:
        for page in pages:
            page.wait_for_function(check, arg=tolerance, timeout=timeout_ms)
    except Exception as e:  # noqa: BLE001 - the members' state explains the timeout
        seen = [page.evaluate(SAMPLE) | {"state": page.evaluate(ROOM_STATE)} for page in pages]
        raise AssertionError(f"members not in step with the room: {seen}") from e


def drifts(pages, samples: int = 5, every_ms: int = 200) -> list[float]:
    """|position - room position| of every member, sampled a few times."""
    found = []
    for _ in range(samples):
        for page in pages:
            s = page.evaluate(SAMPLE)
            found.append(abs(s["t"] - s["room"]))
        pages[0].wait_for_timeout(every_ms)
    return found


class DelayProxy:
    """A loopback TCP proxy in its own thread. A WebSocket connection through it has every chunk
    held `delay` seconds in each direction; plain HTTP connections pass straight through (their
    latency comes from the DevTools protocol)."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks: set[asyncio.Task[None]] = set()

    def __enter__(self) -> DelayProxy:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        try:
            first = await reader.read(65536)
            delay = self.delay if b"upgrade: websocket" in first.lower() else 0.0
            up_w.write(first)
            await asyncio.gather(self._pump(reader, up_w, delay), self._pump(up_r, writer, delay))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for w in (writer, up_w):
                w.close()
            self.tasks.discard(task)

    async def _pump(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: float
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    dst.close()
                    return
                await asyncio.sleep(max(0.0, due - loop.time()))
                dst.write(chunk)
                await dst.drain()

        sender = asyncio.ensure_future(send())
        try:
            while True:
                chunk = await src.read(65536)
                queue.put_nowait((loop.time() + delay, chunk))
                if not chunk:
                    break
            await sender
        finally:
            sender.cancel()
