"""Rating pages: a title's ratings and reviews section (loaded into the title page), its forms
(which work without JavaScript: HTMX swaps the section, a plain form is redirected back), and a
profile's page of ratings, reviews and clips."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input
from mediaserver.http.templating import is_htmx, render
from mediaserver.social.ratings import service
from mediaserver.social.ratings.records import ReviewSort
from mediaserver.social.ratings.text import MAX_CHARS, half_stars

routes = web.RouteTableDef()


def path_id(request: web.Request, name: str) -> int:
    return int(request.match_info[name])  # the route patterns only match digits


def sort_of(raw: str | None) -> ReviewSort:
    return "new" if raw == "new" else "helpful"


def checked(data: dict[str, Any], name: str) -> bool:
    """A checkbox (form: "on") or a JSON boolean."""
    return data.get(name) in (True, "on", "true", "1")


async def section_answer(request: web.Request, title_id: int) -> web.Response:
    """The section again for HTMX, or a redirect back to it for a plain form."""
    if not is_htmx(request):
        raise web.HTTPSeeOther(f"/titles/{title_id}#ratings")
    sort = sort_of(request.query.get("sort"))
    found = await service.section(request.app, request_profile(request), title_id, sort)
    context = {"s": found, "viewer": request_profile(request), "max_chars": MAX_CHARS}
    return render(request, "social/_ratings.html", context)


@routes.get(r"/titles/{title_id:\d+}/ratings", name="ratings_section")
@access("profile")
async def ratings_section(request: web.Request) -> web.Response:
    """Average, count, distribution, my rating and review, and the reviews."""
    found = await service.section(
        request.app,
        request_profile(request),
        path_id(request, "title_id"),
        sort_of(request.query.get("sort")),
    )
    context = {"s": found, "viewer": request_profile(request), "max_chars": MAX_CHARS}
    return render(request, "social/_ratings.html", context)


@routes.post(r"/titles/{title_id:\d+}/rating", name="rating_post")
@access("profile")
async def post_rating(request: web.Request) -> web.Response:
    """Rate (`value`: 0.5 to 5), or remove the rating (`remove` set)."""
    data = await read_input(request)
    title_id = path_id(request, "title_id")
    value = None if data.get("remove") else half_stars(data.get("value"))
    await service.rate(request.app, request_profile(request), title_id, value)
    return await section_answer(request, title_id)


@routes.post(r"/titles/{title_id:\d+}/review", name="review_post")
@access("profile")
async def post_review(request: web.Request) -> web.Response:
    """Write or rewrite my review of the title."""
    data = await read_input(request)
    title_id = path_id(request, "title_id")
    await service.write_review(
        request.app, request_profile(request), title_id, data.get("text"), checked(data, "spoiler")
    )
    return await section_answer(request, title_id)


@routes.post(r"/reviews/{review_id:\d+}/{action:delete|helpful|unhelpful}", name="review_action")
@access("profile")
async def review_action(request: web.Request) -> web.Response:
    """The buttons under a review: delete my own, mark another's helpful or take it back."""
    await read_input(request)
    viewer, review_id = request_profile(request), path_id(request, "review_id")
    action = request.match_info["action"]
    if action == "delete":
        title_id = await service.delete_review(request.app, viewer, review_id)
    else:
        changed = await service.set_helpful(request.app, viewer, review_id, action == "helpful")
        title_id = changed.title_id
    return await section_answer(request, title_id)


@routes.get(r"/profiles/{profile_id:\d+}", name="profile_page")
@access("profile")
async def profile_page(request: web.Request) -> web.Response:
    """A profile's ratings, reviews and clips: its own account's, or one made public."""
    page = await service.profile_page(
        request.app, request_profile(request), path_id(request, "profile_id")
    )
    return render(request, "social/profile.html", {"p": page})


@routes.post(r"/profiles/{profile_id:\d+}/public", name="profile_page_public")
@access("profile")
async def profile_public(request: web.Request) -> web.Response:
    """Show the page to the server's other users, or hide it again (`public` checkbox)."""
    data = await read_input(request)
    profile_id = path_id(request, "profile_id")
    await service.set_public(
        request.app, request_profile(request), profile_id, checked(data, "public")
    )
    raise web.HTTPSeeOther(f"/profiles/{profile_id}")
