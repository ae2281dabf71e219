"""Personalised recommendations and similar titles."""

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the recommendation routes, job handler and home-page row sources."""
