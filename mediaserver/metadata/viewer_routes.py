"""What viewers get from this domain: a title's cast row (HTMX slot on the title page) and the
stored cast photos. Never a provider URL: every image is served from our storage."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.auth import access
from mediaserver.http.files import storage_response
from mediaserver.http.forms import int_path
from mediaserver.http.templating import render
from mediaserver.keys import db_key, storage_key
from mediaserver.metadata.credits import credits_of, photo_location

routes = web.RouteTableDef()
IMAGE_CACHE = "private, max-age=3600"


@routes.get(r"/titles/{title_id:\d+}/credits", name="title_credits")
@access("profile")
async def title_credits(request: web.Request) -> web.Response:
    """The cast and crew row with photos, studios and collection (an HTML fragment)."""
    found = await credits_of(
        request.app[db_key], request_profile(request), int_path(request, "title_id")
    )
    return render(request, "metadata/_credits.html", {"credits": found})


@routes.get(r"/images/people/{person_id:\d+}", name="person_photo")
@access("profile")
async def person_photo(request: web.Request) -> web.StreamResponse:
    location = await photo_location(
        request.app[db_key], request_profile(request, required=False),
        int_path(request, "person_id"),
    )  # fmt: skip
    return await storage_response(
        request, request.app[storage_key], location, "image/webp", IMAGE_CACHE
    )
