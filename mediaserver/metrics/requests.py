"""Request metrics: a count and a latency histogram per route and status.

Routes are labelled by their name (or their canonical pattern, e.g. `/media/t/{token}/{path}`),
never by the raw path, so the number of series stays bounded whatever clients ask for; a request
no route matched is labelled "unmatched".
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNMATCHED = "unmatched"
# Latency buckets in seconds: pages and API answers sit in the milliseconds, first segments of
# an on-the-fly stream take about a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def route_label(request: web.Request) -> str:
    """The matched route's name, else its canonical pattern; "unmatched" for no route."""
    info = request.match_info
    if info.http_exception is not None:
        return UNMATCHED
    route = info.route
    if route.name:
        return route.name
    resource = route.resource
    return resource.canonical if resource is not None else UNMATCHED


class RequestMetrics:
    """The counter and histogram, and the middleware that feeds them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "mediaserver_http_requests",
            "HTTP requests answered, by route and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "mediaserver_http_request_duration_seconds",
            "Time from the request until its handler is done, by route (a WebSocket or event "
            "stream: its whole life).",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, request: web.Request, status: int, seconds: float) -> None:
        route = route_label(request)
        self.requests.labels(route, request.method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:  # redirects and auth challenges pass as exceptions
            status = exc.status
            raise
        finally:
            self.observe(request, status, time.perf_counter() - started)
