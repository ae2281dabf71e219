"""Admin area: the dashboard at /admin, with counts read from the other domains. Every domain
registers its own admin pages (users and API keys are in accounts); they share the admin
layout and navigation in web/templates/admin/."""

from aiohttp import web

from mediaserver.admin.live import setup_live
from mediaserver.admin.restart import RestartControl, restart_control
from mediaserver.admin.routes import routes
from mediaserver.admin.settings_routes import setup_settings

__all__ = ["RestartControl", "restart_control", "setup"]


def setup(app: web.Application) -> None:
    """The admin dashboard."""
    app.router.add_routes(routes)
    setup_settings(app)  # Admin > Settings and its API
    setup_live(app)  # the dashboard's live feed, ended on shutdown
