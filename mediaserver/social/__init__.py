"""Social: comments and timestamped reactions, shareable clips, ratings and reviews. Everything
here acts as a profile, respects kids caps and the libraries a user may see, and shows user text
escaped."""

from aiohttp import web

from mediaserver.social import comments

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Comments, reactions, clips, ratings and reviews: their pages, API and jobs."""
    comments.setup(app)
