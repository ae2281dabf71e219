"""Metrics: /metrics in the Prometheus text format, read from every domain's live state (request
counts and latencies by route, plays, on-the-fly sessions, the job queue, the segment cache, the
database pool, WebSockets, disk space), and the admin's audit log page, which reads what every
domain records of its admin actions.
"""

from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.accounts import get_identity
from mediaserver.db.audit import AuditActor, set_actor_source
from mediaserver.http.clientinfo import client_ip
from mediaserver.keys import config_key, jobs_key
from mediaserver.metrics.audit_routes import routes as audit_routes
from mediaserver.metrics.routes import routes as metrics_routes
from mediaserver.metrics.state import MetricsState, metrics_state_key

__all__ = ["MetricsState", "metrics_state_key", "setup"]


def _actor(request: web.Request) -> AuditActor:
    user = get_identity(request).user
    address = client_ip(request)
    if user is None:
        return AuditActor(None, "anonymous", address)
    return AuditActor(user.id, user.username, address)


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    state = app[metrics_state_key]
    if jobs_key in app:
        app[jobs_key].on_settled(state.job_settled)
    if app[config_key].metrics.enabled:
        state.snapshots.start()  # the first scrape finds the queue and disk figures ready
    yield
    await state.snapshots.close()


def setup(app: web.Application) -> None:
    """The /metrics endpoint, the request metrics middleware and the audit log pages."""
    state = MetricsState(app)
    app[metrics_state_key] = state
    # Outermost, before the error middleware: it sees the status the client really gets,
    # including refusals by the identifying middleware and errors turned into pages.
    app.middlewares.insert(0, state.requests.middleware)
    set_actor_source(app, _actor)
    app.router.add_routes([*metrics_routes, *audit_routes])
    app.cleanup_ctx.append(_metrics_ctx)
