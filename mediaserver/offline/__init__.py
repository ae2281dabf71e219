"""Downloads: single-file MP4s made from the ladder, and titles saved in the browser for offline."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
