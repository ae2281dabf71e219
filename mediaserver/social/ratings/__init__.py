"""Ratings and reviews: half-star ratings of titles (with each title's average, count and
distribution kept for search and rows), one review per profile and title with a spoiler flag,
helpful marks, and profile pages listing a profile's ratings, reviews and clips.
`setup(app)` registers the pages and the API."""

from aiohttp import web

from mediaserver.social.ratings.api_routes import routes as api_routes
from mediaserver.social.ratings.routes import routes as page_routes

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    app.router.add_routes([*page_routes, *api_routes])
