"""Gauges read at scrape time: streaming's in-memory state, the database pool, WebSocket
connections, and (from a snapshot refreshed in the background) the job queue and disk space."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mediaserver.metrics.pool import pool_figures
from mediaserver.metrics.snapshot import Snapshotter
from mediaserver.metrics.sockets import websocket_count
from mediaserver.streaming import streaming_stats


class LiveCollector(Collector):
    """Everything here is a dict read or a cached value: a scrape costs no database query."""

    def __init__(self, app: web.Application, snapshots: Snapshotter) -> None:
        self.app = app
        self.snapshots = snapshots

    def collect(self) -> Iterator[Metric]:
        yield from self._streaming()
        yield from self._database()
        yield from self._snapshot()
        sockets = GaugeMetricFamily(
            "mediaserver_websocket_connections",
            "Open WebSocket and live event-stream connections, by kind.",
            labels=["kind"],
        )
        for kind, count in websocket_count(self.app).items():
            sockets.add_metric([kind], count)
        yield sockets

    def _streaming(self) -> Iterator[Metric]:
        stats = streaming_stats(self.app)
        plays = GaugeMetricFamily(
            "mediaserver_active_plays",
            "Plays seen in the last three minutes, by playback method.",
            labels=["method"],
        )
        for method, count in stats.plays_by_method.items():
            plays.add_metric([method], count)
        yield plays
        sessions = GaugeMetricFamily(
            "mediaserver_live_sessions",
            "On-the-fly sessions with an encoder thread running, by mode.",
            labels=["mode"],
        )
        fps = GaugeMetricFamily(
            "mediaserver_live_encoder_fps",
            "Frames per second the running on-the-fly sessions encode, summed, by mode.",
            labels=["mode"],
        )
        for mode, count in stats.sessions_by_mode.items():
            sessions.add_metric([mode], count)
            fps.add_metric([mode], round(stats.encoder_fps_by_mode.get(mode, 0.0), 2))
        yield sessions
        yield fps
        yield GaugeMetricFamily(
            "mediaserver_live_sessions_max",
            "On-the-fly sessions allowed at once (streaming.max_sessions).",
            value=stats.max_sessions,
        )
        cache = CounterMetricFamily(
            "mediaserver_segment_cache_lookups",
            "On-the-fly segment cache lookups, by result (hit: served from the cache).",
            labels=["result"],
        )
        cache.add_metric(["hit"], stats.cache_hits)
        cache.add_metric(["miss"], stats.cache_misses)
        yield cache
        yield GaugeMetricFamily(
            "mediaserver_segment_cache_bytes",
            "Bytes of on-the-fly segments in the cache.",
            value=stats.cache_bytes,
        )
        yield GaugeMetricFamily(
            "mediaserver_segment_cache_max_bytes",
            "The on-the-fly segment cache's budget (streaming.cache_max_bytes).",
            value=stats.cache_max_bytes,
        )

    def _database(self) -> Iterator[Metric]:
        figures = pool_figures(self.app)
        if figures is None:
            return
        pool = GaugeMetricFamily(
            "mediaserver_db_pool_connections",
            "Database connections of this process's pool, by state.",
            labels=["state"],
        )
        pool.add_metric(["in_use"], figures.in_use)
        pool.add_metric(["idle"], figures.idle)
        pool.add_metric(["overflow"], figures.overflow)
        yield pool
        yield GaugeMetricFamily(
            "mediaserver_db_pool_size",
            "Connections the pool keeps open (database.pool_size).",
            value=figures.size,
        )

    def _snapshot(self) -> Iterator[Metric]:
        snap = self.snapshots.latest
        if snap is None:
            return
        depth = GaugeMetricFamily(
            "mediaserver_job_queue_depth",
            "Jobs waiting or running in the queue (all instances), by type, lane and state.",
            labels=["type", "lane", "state"],
        )
        for row in snap.queue:
            depth.add_metric([row.job_type, row.lane, row.state], row.count)
        yield depth
        free = GaugeMetricFamily(
            "mediaserver_disk_free_bytes",
            "Free bytes on the disk of each folder the server writes or reads media from.",
            labels=["folder", "path"],
        )
        total = GaugeMetricFamily(
            "mediaserver_disk_total_bytes",
            "Size of the disk of each folder.",
            labels=["folder", "path"],
        )
        for disk in snap.disks:
            free.add_metric([disk.folder, disk.path], disk.free)
            total.add_metric([disk.folder, disk.path], disk.total)
        yield free
        yield total
        yield GaugeMetricFamily(
            "mediaserver_metrics_snapshot_age_seconds",
            "Age of the cached job queue and disk figures.",
            value=round(self.snapshots.age(), 3),
        )
