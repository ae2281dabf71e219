"""The ratings JSON API: a title's summary and reviews, my rating and review, helpful marks,
and profile pages."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_json
from mediaserver.social.ratings import service
from mediaserver.social.ratings.api_models import (
    ProfileClipOut,
    ProfilePageOut,
    PublicBody,
    RatedOut,
    RatingBody,
    RatingsOut,
    ReviewBody,
    ReviewEnvelope,
    ReviewOut,
    SummaryOut,
    owner_fields,
)
from mediaserver.social.ratings.routes import path_id, sort_of
from mediaserver.social.ratings.text import half_stars

routes = web.RouteTableDef()


@routes.get(r"/api/v1/titles/{title_id:\d+}/ratings", name="api_ratings")
@access("profile")
@api(response=RatingsOut)
async def api_ratings(request: web.Request) -> web.Response:
    """Average, count, distribution, my rating, and reviews (`sort`: helpful (default) or new)."""
    found = await service.section(
        request.app,
        request_profile(request),
        path_id(request, "title_id"),
        sort_of(request.query.get("sort")),
    )
    return json_model(
        RatingsOut(
            summary=SummaryOut.of(found.summary), reviews=[ReviewOut.of(r) for r in found.reviews]
        )
    )


@routes.put(r"/api/v1/titles/{title_id:\d+}/rating", name="api_rating_set")
@access("profile")
@api(body=RatingBody, response=SummaryOut)
async def api_rate(request: web.Request) -> web.Response:
    """Rate the title 0.5 to 5 stars in half steps (again to change it)."""
    body = parse_model(RatingBody, await read_json(request))
    summary = await service.rate(
        request.app, request_profile(request), path_id(request, "title_id"), half_stars(body.value)
    )
    return json_model(SummaryOut.of(summary))


@routes.delete(r"/api/v1/titles/{title_id:\d+}/rating", name="api_rating_delete")
@access("profile")
@api(response=SummaryOut)
async def api_unrate(request: web.Request) -> web.Response:
    """Remove my rating of the title."""
    summary = await service.rate(
        request.app, request_profile(request), path_id(request, "title_id"), None
    )
    return json_model(SummaryOut.of(summary))


@routes.put(r"/api/v1/titles/{title_id:\d+}/review", name="api_review_write")
@access("profile")
@api(body=ReviewBody, response=ReviewEnvelope)
async def api_write_review(request: web.Request) -> web.Response:
    """Write my one review of the title, or replace it."""
    body = parse_model(ReviewBody, await read_json(request))
    review = await service.write_review(
        request.app, request_profile(request), path_id(request, "title_id"), body.text, body.spoiler
    )
    return json_model(ReviewEnvelope(review=ReviewOut.of(review)))


@routes.patch(r"/api/v1/reviews/{review_id:\d+}", name="api_review_edit")
@access("profile")
@api(body=ReviewBody, response=ReviewEnvelope)
async def api_edit_review(request: web.Request) -> web.Response:
    """Edit my own review."""
    body = parse_model(ReviewBody, await read_json(request))
    review = await service.edit_review(
        request.app,
        request_profile(request),
        path_id(request, "review_id"),
        body.text,
        body.spoiler,
    )
    return json_model(ReviewEnvelope(review=ReviewOut.of(review)))


@routes.delete(r"/api/v1/reviews/{review_id:\d+}", name="api_review_delete")
@access("profile")
@api(response=None, status=204)
async def api_delete_review(request: web.Request) -> web.Response:
    """Delete my own review."""
    await service.delete_review(
        request.app, request_profile(request), path_id(request, "review_id")
    )
    return web.Response(status=204)


@routes.put(r"/api/v1/reviews/{review_id:\d+}/helpful", name="api_review_helpful")
@access("profile")
@api(response=ReviewEnvelope)
async def api_helpful(request: web.Request) -> web.Response:
    """Mark another profile's review helpful (once: again changes nothing; 403 for my own)."""
    review = await service.set_helpful(
        request.app, request_profile(request), path_id(request, "review_id"), True
    )
    return json_model(ReviewEnvelope(review=ReviewOut.of(review)))


@routes.delete(r"/api/v1/reviews/{review_id:\d+}/helpful", name="api_review_unhelpful")
@access("profile")
@api(response=ReviewEnvelope)
async def api_unhelpful(request: web.Request) -> web.Response:
    """Take back my helpful mark."""
    review = await service.set_helpful(
        request.app, request_profile(request), path_id(request, "review_id"), False
    )
    return json_model(ReviewEnvelope(review=ReviewOut.of(review)))


@routes.get(r"/api/v1/profiles/{profile_id:\d+}/page", name="api_profile_page")
@access("profile")
@api(response=ProfilePageOut)
async def api_profile_page(request: web.Request) -> web.Response:
    """A profile's ratings, reviews and clips (its own account's, or a public page; else 404)."""
    p = await service.profile_page(
        request.app, request_profile(request), path_id(request, "profile_id")
    )
    return json_model(
        ProfilePageOut(
            **owner_fields(p.owner),
            own=p.own,
            ratings=[RatedOut.of(r) for r in p.ratings],
            reviews=[ReviewOut.of(r) for r in p.reviews],
            clips=[
                ProfileClipOut(name=c.name, title=c.title, duration=c.duration, url=c.url)
                for c in p.clips
            ],
        )
    )


@routes.put(r"/api/v1/profiles/{profile_id:\d+}/page", name="api_profile_page_public")
@access("profile")
@api(body=PublicBody, response=None, status=204)
async def api_profile_public(request: web.Request) -> web.Response:
    """Make my profile's page public, or private again."""
    body = parse_model(PublicBody, await read_json(request))
    await service.set_public(
        request.app, request_profile(request), path_id(request, "profile_id"), body.public
    )
    return web.Response(status=204)
