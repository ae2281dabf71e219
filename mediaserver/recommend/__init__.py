"""Recommendations, similar titles, automatic tags, poster A/B tests and intro detection."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
