"""Poster tests: the browser's impression and click beacons (as a profile), and /admin/posters
(every title under test, a title's candidates with their figures, pin a winner) with its JSON
under /api/v1/admin/posters. Pins are in the audit log."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.templating import render
from mediaserver.recommend.artwork_ab import service
from mediaserver.recommend.artwork_ab.records import (
    PosterClick,
    PosterClickRecorded,
    PosterImpressions,
    PosterImpressionsCounted,
    PosterPin,
    PosterTest,
    PosterTests,
)

routes = web.RouteTableDef()


@routes.post("/api/v1/posters/impressions", name="api_poster_impressions")
@access("profile")
@api(body=PosterImpressions, response=PosterImpressionsCounted)
async def api_impressions(request: web.Request) -> web.Response:
    """Report poster cards seen (at least half visible for a second) in one page view."""
    body = parse_model(PosterImpressions, await read_input(request))
    items = [(s.title_id, s.image_id) for s in body.items]
    counted = await service.record_impressions(
        request.app, request_profile(request), body.view_id, items
    )
    return json_model(PosterImpressionsCounted(counted=counted))


@routes.post("/api/v1/posters/clicks", name="api_poster_click")
@access("profile")
@api(body=PosterClick, response=PosterClickRecorded)
async def api_click(request: web.Request) -> web.Response:
    """Report that a poster card was opened; a play that starts soon after counts for it."""
    body = parse_model(PosterClick, await read_input(request))
    done = await service.record_click(
        request.app, request_profile(request), body.title_id, body.image_id
    )
    return json_model(PosterClickRecorded(recorded=done))


@routes.get("/api/v1/admin/posters", name="api_poster_tests")
@access("admin")
@api(response=PosterTests)
async def api_poster_tests(request: web.Request) -> web.Response:
    """Every title under a poster test, with each candidate's figures."""
    return json_model(PosterTests(tests=await service.poster_tests(request.app)))


@routes.get(r"/api/v1/admin/posters/{title_id:\d+}", name="api_poster_test")
@access("admin")
@api(response=PosterTest)
async def api_poster_test(request: web.Request) -> web.Response:
    """One title's poster test: each candidate's rate, 95% interval and probability best."""
    return json_model(await service.poster_test(request.app, int_path(request, "title_id")))


@routes.put(r"/api/v1/admin/posters/{title_id:\d+}/pin", name="api_poster_pin")
@access("admin")
@api(body=PosterPin, response=PosterTest)
async def api_poster_pin(request: web.Request) -> web.Response:
    """Pin a candidate (served to everyone from now on), or unpin with null."""
    title_id = int_path(request, "title_id")
    body = parse_model(PosterPin, await read_input(request))
    found = await service.pin(request.app, title_id, body.image_id)
    await audit_request(request, "poster.pin", f"title {title_id}", {"image": body.image_id})
    return json_model(found)


@routes.get("/admin/posters", name="admin_posters")
@access("admin")
async def admin_posters(request: web.Request) -> web.Response:
    tests = await service.poster_tests(request.app)
    return render(request, "recommend/ab_list.html", {"tests": tests})


@routes.get(r"/admin/posters/{title_id:\d+}", name="admin_poster_test")
@access("admin")
async def admin_poster_test(request: web.Request) -> web.Response:
    test = await service.poster_test(request.app, int_path(request, "title_id"))
    return render(request, "recommend/ab_title.html",
                  {"test": test, "done": request.query.get("done", "")[:20]})  # fmt: skip


@routes.post(r"/admin/posters/{title_id:\d+}/pin", name="admin_poster_pin")
@access("admin")
async def admin_poster_pin(request: web.Request) -> web.Response:
    title_id = int_path(request, "title_id")
    raw = str((await read_input(request)).get("image_id") or "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise BadRequest("'image_id' must be a candidate's id.", field="image_id")
    image_id = int(raw) if raw else None
    await service.pin(request.app, title_id, image_id)
    await audit_request(request, "poster.pin", f"title {title_id}", {"image": image_id})
    raise web.HTTPSeeOther(f"/admin/posters/{title_id}?done={'pinned' if raw else 'unpinned'}")
