"""The dashboard's live feed: a fresh "now" snapshot every second for each open dashboard, and at
once when a play starts or ends, with today's and this week's figures (counted in the background,
see summary_cache). Nothing is measured while nobody watches; watchers share one snapshot per
FRESH_SECONDS, and every stream ends when the server shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from aiohttp import web

from mediaserver.admin.dashboard import Dashboard, NowSnapshot
from mediaserver.admin.now import build_now
from mediaserver.admin.summary_cache import SummaryCache
from mediaserver.admin.system_stats import UsageCache
from mediaserver.keys import templates_key
from mediaserver.streaming import active_plays

PUSH_SECONDS = 1.0  # a snapshot this often
CHECK_SECONDS = 0.2  # how often the list of plays (in memory) is compared for a start or end
FRESH_SECONDS = 0.5  # watchers asking within this share one snapshot
NOW_TEMPLATE = "admin/_dash_now.html"


class DashboardFeed:
    """Snapshots for the page and its streams (one per app)."""

    def __init__(self) -> None:
        self.usage = UsageCache()
        self.closing = asyncio.Event()
        self.watchers = 0
        self._latest: NowSnapshot | None = None
        self._lock = asyncio.Lock()
        self.summaries = SummaryCache()

    async def snapshot(self, app: web.Application, *, fresh: bool = False) -> NowSnapshot:
        async with self._lock:
            latest = self._latest
            if fresh or latest is None or time.time() - latest.at >= FRESH_SECONDS:
                latest = self._latest = await build_now(app, self.usage)
            return latest

    async def dashboard(
        self, app: web.Application, *, fresh_now: bool = False, wait_summary: bool = False
    ) -> Dashboard:
        """The now snapshot, and the latest count of today and this week (waited for when
        `wait_summary`; else None until the first count is done)."""
        now = await self.snapshot(app, fresh=fresh_now)
        summaries = self.summaries
        summary = await summaries.wait(app) if wait_summary else summaries.current(app)
        return Dashboard(now, summary)

    def close(self) -> None:
        """End every stream (on shutdown), so open dashboards do not hold the server up."""
        self.closing.set()


dashboard_feed_key: web.AppKey[DashboardFeed] = web.AppKey("dashboard_feed", DashboardFeed)


def render_now(app: web.Application, dash: Dashboard) -> str:
    return app[templates_key].get_template(NOW_TEMPLATE).render(now=dash.now, summary=dash.summary)


def _event(app: web.Application, dash: Dashboard) -> bytes:
    data = json.dumps({"at": dash.now.at, "html": render_now(app, dash)})
    return f"event: now\ndata: {data}\n\n".encode()


def _plays_seen(app: web.Application) -> frozenset[str]:
    return frozenset(p.play_id for p in active_plays(app))


async def stream_now(request: web.Request) -> web.StreamResponse:
    """text/event-stream of `now` events: JSON with the rendered panels (`html`)."""
    app = request.app
    feed = app[dashboard_feed_key]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # let reverse proxies pass events through at once
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    feed.watchers += 1
    try:
        seen: frozenset[str] | None = None
        sent_at = 0.0
        while not feed.closing.is_set():
            plays = _plays_seen(app)
            changed = plays != seen
            if changed or time.monotonic() - sent_at >= PUSH_SECONDS:
                dash = await feed.dashboard(app, fresh_now=changed and seen is not None)
                await response.write(_event(app, dash))
                seen, sent_at = plays, time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(feed.closing.wait(), CHECK_SECONDS)
    except ConnectionResetError:
        pass  # the page was closed
    finally:
        feed.watchers -= 1
    return response


def setup_live(app: web.Application) -> None:
    """The feed, and its end on shutdown (before aiohttp waits for open requests)."""
    feed = DashboardFeed()
    app[dashboard_feed_key] = feed

    async def end_streams(app: web.Application) -> None:
        feed.close()
        await feed.summaries.close()  # before the database closes under it

    app.on_shutdown.append(end_streams)
