"""Tag pages for viewers: a title's accepted tags (loaded into the title page), every tag the
profile can browse, and /tags/<tag>, which is the search page filtered by that tag (so kids caps
and library access apply as everywhere else)."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.recommend.tagging import service
from mediaserver.recommend.tagging.service import path_id
from mediaserver.recommend.tagging.vocabulary import normalise_tag

routes = web.RouteTableDef()
KIND_NAMES = {"mood": "Moods", "theme": "Themes", "style": "Style", "content": "Content notes"}


@routes.get(r"/titles/{title_id:\d+}/tags", name="title_tags_chips")
@access("profile")
async def title_tag_chips(request: web.Request) -> web.Response:
    """The title page's tag chips (an empty fragment when it has none)."""
    title_id = path_id(request, "title_id")
    tags = await service.viewer_tags(request.app, request_profile(request), title_id)
    return render(request, "recommend/tagging_chips.html", {"tags": tags, "title_id": title_id})


@routes.get("/tags", name="tags")
@access("profile")
async def tags_page(request: web.Request) -> web.Response:
    found = await service.tag_cloud(request.app, request_profile(request))
    groups = {name: [(t, n) for t, k, n in found if k == kind] for kind, name in KIND_NAMES.items()}
    return render(request, "recommend/tagging_tags.html", {"groups": groups})


@routes.get("/tags/{tag}", name="tag_titles")
@access("profile")
async def tag_titles(request: web.Request) -> web.Response:
    tag = normalise_tag(request.match_info["tag"][:80])
    if tag is None:
        raise web.HTTPSeeOther("/tags")
    raise web.HTTPSeeOther("/search?" + urlencode({"tag": tag}))
