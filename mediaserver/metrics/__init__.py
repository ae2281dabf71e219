"""Metrics: /metrics in the Prometheus text format, read from every domain's live state."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """The /metrics endpoint and the request metrics middleware."""
