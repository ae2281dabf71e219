"""Searches that led to a play, as the browser reports them: a search result opened (the
search page's script posts it), and a profile's own searches that led to a play."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input
from mediaserver.keys import db_key
from mediaserver.recommend.reco import search_play
from mediaserver.recommend.reco.api_models import (
    SearchOpenedBody,
    SearchOpenedOut,
    SearchPlayOut,
    SearchPlaysOut,
)

routes = web.RouteTableDef()


@routes.post("/api/v1/recommendations/search-opened", name="api_reco_search_opened")
@access("profile")
@api(body=SearchOpenedBody, response=SearchOpenedOut)
async def api_search_opened(request: web.Request) -> web.Response:
    """Report a search result opened; a play of that title soon after counts as found by it."""
    body = parse_model(SearchOpenedBody, await read_input(request))
    profile = request_profile(request)
    done = await search_play.record_opened(
        request.app, profile, body.title_id, body.query, body.ref
    )
    return json_model(SearchOpenedOut(recorded=done))


@routes.get("/api/v1/recommendations/search-plays", name="api_reco_search_plays")
@access("profile")
@api(response=SearchPlaysOut)
async def api_search_plays(request: web.Request) -> web.Response:
    """This profile's searches that led to a play (what training counts as strong likes)."""
    found = await search_play.search_plays(request.app[db_key], request_profile(request).id)
    plays = [SearchPlayOut(query=p.query, title_id=p.title_id, played_at=p.played_at)
             for p in found]  # fmt: skip
    return json_model(SearchPlaysOut(plays=plays))
