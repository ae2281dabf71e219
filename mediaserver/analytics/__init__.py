"""Analytics: what people watch and how it plays, from plays, progress heartbeats and quality
beacons, rolled up by jobs into hourly and daily tables so pages stay fast as history grows.

For the admin dashboard: `summary_today_and_week(app)` gives today's and this week's plays, hours
watched, unique viewers and new titles, each with the period before. Live plays carry their
latest reported position (`plays.position_seconds`, seconds, NULL until the first report) and
`plays.paused` (whether the player was paused at that report); both are written with the
heartbeats, at most `analytics.heartbeat_flush_seconds` after the player sent them.
`run_rollups(app)` rolls everything reported so far up at once (the job does it periodically).
"""

from aiohttp import web

from mediaserver.analytics.jobs import analytics_ctx, prune_old_heartbeats, run_rollups
from mediaserver.analytics.routes import routes
from mediaserver.analytics.summary import Figures, Period, PeriodSummary, summary_today_and_week
from mediaserver.jobs import add_housekeeping

__all__ = [
    "Figures",
    "Period",
    "PeriodSummary",
    "run_rollups",
    "setup",
    "summary_today_and_week",
]


def setup(app: web.Application) -> None:
    """The analytics pages under /admin/analytics, their JSON/CSV API and the rollup jobs."""
    app.router.add_routes(routes)
    app.cleanup_ctx.append(analytics_ctx)
    add_housekeeping(app, "old heartbeats", prune_old_heartbeats)
