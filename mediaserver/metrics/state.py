"""One registry per application (never the process-wide default: a process may hold several
apps, as the tests do), with the request and job metrics and the scrape-time collector."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from mediaserver.jobs import Job
from mediaserver.metrics.collector import LiveCollector
from mediaserver.metrics.requests import RequestMetrics
from mediaserver.metrics.snapshot import Snapshotter

# Job run times in seconds: a scan takes seconds, an encode hours.
JOB_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200)


class MetricsState:
    def __init__(self, app: web.Application) -> None:
        # No `_created` twin of every counter and histogram series (a process-wide switch of
        # prometheus-client): it would double the exposition for a start time nobody graphs.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = RequestMetrics(self.registry)
        self.job_durations = Histogram(
            "mediaserver_job_duration_seconds",
            "Run time of the jobs this process ran, from start to recorded outcome, by type "
            "and outcome (succeeded, failed, cancelled, retry).",
            ["type", "outcome"],
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )
        self.snapshots = Snapshotter(app)
        self.registry.register(LiveCollector(app, self.snapshots))

    def job_settled(self, job: Job) -> None:
        if job.started_at is None:
            return
        ended = job.finished_at or job.updated_at
        outcome = job.status if job.status in ("succeeded", "failed", "cancelled") else "retry"
        self.job_durations.labels(job.type, outcome).observe(max(0.0, ended - job.started_at))

    async def exposition(self) -> bytes:
        """The text exposition; the cached figures are refreshed first when missing."""
        await self.snapshots.ensure()
        return generate_latest(self.registry)


metrics_state_key: web.AppKey[MetricsState] = web.AppKey("metrics_state", MetricsState)
