"""Admin area: the dashboard; users and API keys in their own modules."""

from aiohttp import web

from mediaserver.admin.routes import routes


def setup(app: web.Application) -> None:
    """The admin dashboard, users and API keys pages."""
    app.router.add_routes(routes)
