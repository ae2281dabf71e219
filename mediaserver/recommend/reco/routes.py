"""Recommendation pages: More like this (loaded into the title page), Not interested (from a
card or a title page, HTMX or a plain form), and the onboarding step of a new profile."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_form, safe_next
from mediaserver.http.templating import is_htmx, render
from mediaserver.keys import db_key
from mediaserver.recommend.reco import onboarding, service, store

routes = web.RouteTableDef()


def percent(fraction: float | None) -> int:
    return 0 if fraction is None else max(0, min(100, round(fraction * 100)))


@routes.get(r"/titles/{title_id:\d+}/similar", name="reco_similar")
@access("profile")
async def similar_section(request: web.Request) -> web.Response:
    """More like this: the title page loads it (HTMX)."""
    db, profile = request.app[db_key], request_profile(request)
    title_id = int_path(request, "title_id")
    if not await onboarding.may_see(db, profile, title_id):
        raise NotFound("No such title.")
    found = await service.similar_cards(db, profile, title_id)
    return render(request, "recommend/_similar.html", {"similar": found, "percent": percent})


@routes.post(r"/recommendations/not-interested/{title_id:\d+}/{state:on|off}", name="reco_dismiss")
@access("profile")
async def not_interested(request: web.Request) -> web.Response:
    """Not interested (or take it back): the card disappears; a plain form goes back."""
    db, profile = request.app[db_key], request_profile(request)
    title_id = int_path(request, "title_id")
    if not await onboarding.may_see(db, profile, title_id):
        raise NotFound("No such title.")
    on = request.match_info["state"] == "on"
    await store.set_not_interested(db, profile.id, title_id, on)
    if is_htmx(request):
        context = {"title_id": title_id, "dismissed": on}
        return render(request, "recommend/_dismissed.html", context)
    form = await read_form(request)
    raise web.HTTPSeeOther(safe_next(str(form.get("next") or ""), f"/titles/{title_id}"))


@routes.get("/recommendations/start", name="reco_start")
@access("profile")
async def start_page(request: web.Request) -> web.Response:
    """Onboarding: pick a few titles you like (popular ones within the profile's cap)."""
    db, profile = request.app[db_key], request_profile(request)
    found = await onboarding.choices(db, profile)
    context = {"choices": found, "profile": profile, "percent": percent}
    return render(request, "recommend/start.html", context)


@routes.post("/recommendations/start", name="reco_start_post")
@access("profile")
async def start_post(request: web.Request) -> web.Response:
    form = await read_form(request)
    raw = [str(v) for v in form.getall("title_id", [])]
    if not raw or not all(v.isdigit() for v in raw):
        raise BadRequest("Pick at least one title you like.")
    await onboarding.pick(request.app, request_profile(request), [int(v) for v in raw])
    raise web.HTTPSeeOther("/")
