"""Social: comments and timestamped reactions, shareable clips, ratings and reviews. Everything
here acts as a profile, respects kids caps and the libraries a user may see, and shows user text
escaped."""

from aiohttp import web

from mediaserver.social import clips, comments, ratings, reactions
from mediaserver.social.clips import ClipSummary, clips_of_profile

__all__ = ["ClipSummary", "clips_of_profile", "setup"]


def setup(app: web.Application) -> None:
    """Comments, reactions, clips, ratings and reviews: their pages, API and jobs."""
    comments.setup(app)
    clips.setup(app)
    ratings.setup(app)
    reactions.setup(app)
