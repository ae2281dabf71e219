"""Recommendations, similar titles, automatic tags, poster A/B tests and intro detection.

Each feature lives in its own sub-package with its own ``setup(app)``; this face calls them.
"""

from aiohttp import web

from mediaserver.recommend import artwork_ab, intro, reco, tagging

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
    reco.setup(app)
    tagging.setup(app)
    intro.setup(app)
    artwork_ab.setup(app)
