"""/admin/intro: seasons with their detected intros and credits, a season's episodes with the
markers the player uses (fix them by hand: a fixed kind is locked against detection), detection
on demand. JSON under /api/v1/admin/intro. Every change is in the audit log."""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.templating import render
from mediaserver.keys import db_key
from mediaserver.recommend.intro import service, store
from mediaserver.recommend.intro.records import (
    IntroCorrection,
    IntroDetectQueued,
    IntroEpisode,
    IntroSeason,
)

routes = web.RouteTableDef()


@routes.get("/admin/intro", name="admin_intro")
@access("admin")
async def admin_intro(request: web.Request) -> web.Response:
    seasons = await store.season_summaries(request.app[db_key])
    return render(request, "recommend/intro_seasons.html",
                  {"seasons": seasons, "active_page": "intro"})  # fmt: skip


@routes.get(r"/admin/intro/seasons/{season_id:\d+}", name="admin_intro_season")
@access("admin")
async def admin_intro_season(request: web.Request) -> web.Response:
    found = await service.season(request.app, int_path(request, "season_id"))
    done = request.query.get("done", "")[:20]
    return render(request, "recommend/intro_season.html", {"season": found, "done": done})


@routes.post(r"/admin/intro/seasons/{season_id:\d+}/detect", name="admin_intro_detect")
@access("admin")
async def admin_intro_detect(request: web.Request) -> web.Response:
    season_id = int_path(request, "season_id")
    job_id = await service.detect(request.app, season_id)
    await audit_request(request, "intro.detect", f"season {season_id}", {"job": job_id})
    raise web.HTTPSeeOther(f"/admin/intro/seasons/{season_id}?done=queued")


@routes.post(r"/admin/intro/files/{file_id:\d+}", name="admin_intro_fix")
@access("admin")
async def admin_intro_fix(request: web.Request) -> web.Response:
    file_id = int_path(request, "file_id")
    data = await read_input(request)
    data["unlock"] = data.get("unlock") in ("1", "on", "true", True)
    fix = parse_model(IntroCorrection, {k: v for k, v in data.items() if k != "csrf_token"})
    season_id = await service.correct(request.app, file_id, fix)
    await audit_request(request, "intro.fix", f"file {file_id}", fix.model_dump())
    raise web.HTTPSeeOther(f"/admin/intro/seasons/{season_id}?done=saved#file-{file_id}")


@routes.get(r"/api/v1/admin/intro/seasons/{season_id:\d+}", name="api_intro_season")
@access("admin")
@api(response=IntroSeason)
async def api_intro_season(request: web.Request) -> web.Response:
    """A season's episode files with their skip markers and what detection found."""
    return json_model(await service.season(request.app, int_path(request, "season_id")))


@routes.post(r"/api/v1/admin/intro/seasons/{season_id:\d+}/detect", name="api_intro_detect")
@access("admin")
@api(response=IntroDetectQueued, status=202)
async def api_intro_detect(request: web.Request) -> web.Response:
    """Queue intro and credits detection for a season."""
    season_id = int_path(request, "season_id")
    job_id = await service.detect(request.app, season_id)
    await audit_request(request, "intro.detect", f"season {season_id}", {"job": job_id})
    return json_model(IntroDetectQueued(job_id=job_id), status=202)


@routes.put(r"/api/v1/admin/intro/files/{file_id:\d+}", name="api_intro_fix")
@access("admin")
@api(body=IntroCorrection, response=IntroEpisode)
async def api_intro_fix(request: web.Request) -> web.Response:
    """Correct an episode file's intro and credits; corrected kinds are locked against
    detection."""
    file_id = int_path(request, "file_id")
    fix = parse_model(IntroCorrection, await read_input(request))
    season_id = await service.correct(request.app, file_id, fix)
    await audit_request(request, "intro.fix", f"file {file_id}", fix.model_dump())
    found = await service.season(request.app, season_id or 0)
    return json_model(next(e for e in found.episodes if e.media_file_id == file_id))
