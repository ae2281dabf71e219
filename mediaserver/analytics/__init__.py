"""Analytics: what people watch and how it plays, from plays, progress heartbeats and quality
beacons, rolled up by jobs into hourly and daily tables so pages stay fast as history grows."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """The analytics pages under /admin/analytics, their JSON/CSV API and the rollup jobs."""
