"""Metadata and artwork from providers (TMDB, TVmaze, plugins), matching, Identify and refresh."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
