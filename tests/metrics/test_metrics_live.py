"""On-the-fly figures in /metrics: segment cache hits and misses as a player fetches, and the
encoder speed a run reports."""

from __future__ import annotations

from mediaserver.streaming.session_run import Run
from tests.metrics.test_metrics_endpoint import families, sample
from tests.streaming.conftest import media_dir  # noqa: F401 - fixture
from tests.streaming.test_live_routes import fetch, live, live_clip  # noqa: F401 - fixtures

LOOKUPS = "mediaserver_segment_cache_lookups"


async def cache_lookups(client) -> tuple[float | None, float | None]:
    fams = families(await (await client.get("/metrics")).text())
    total = LOOKUPS + "_total"
    return sample(fams, LOOKUPS, total, result="hit"), sample(fams, LOOKUPS, total, result="miss")


async def test_cache_misses_then_hits(live) -> None:  # noqa: F811
    client, _file_id, token = live
    assert await cache_lookups(client) == (0, 0)
    url = f"/media/t/{token()}/live/transcode/a1/360p/seg_00000.m4s"
    first = await fetch(client, url)
    hits, misses = await cache_lookups(client)
    assert misses == 1 and hits == 0
    assert await fetch(client, url) == first  # the same segment again: from the cache
    assert await cache_lookups(client) == (1, 1)
    fams = families(await (await client.get("/metrics")).text())
    cached = sample(fams, "mediaserver_segment_cache_bytes", "mediaserver_segment_cache_bytes")
    assert cached and cached >= len(first)
    sessions = "mediaserver_live_sessions"
    assert sample(fams, sessions, sessions, mode="transcode") is not None
    allowed = "mediaserver_live_sessions_max"
    assert sample(fams, allowed, allowed) == 2


def test_encoding_speed_leaves_out_waiting_for_the_player() -> None:
    run = Run(start=0, started=100.0)
    assert run.encoding_speed(now=100.0) == 0.0
    run.made_seconds = 8.0
    run.waited = 2.0
    # 6 s since the start, 2 of them waiting: 8 s of media in 4 s of work.
    assert run.encoding_speed(now=106.0) == 2.0
    run.waiting_since = 105.0  # waiting now, for 1 s so far
    assert run.encoding_speed(now=106.0) == 8.0 / 3.0
