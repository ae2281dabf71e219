"""My List and Watch History pages, and the buttons that change them (HTMX swaps the button
or removes the entry; without JavaScript the forms post and come back)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.catalog import history, mylist
from mediaserver.catalog.pages import back_or, is_htmx, page
from mediaserver.catalog.poster_choice import with_posters
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key

routes = web.RouteTableDef()

LIST_PAGE = 100


@routes.get("/my-list", name="my_list")
@access("profile")
async def my_list_page(request: web.Request) -> web.Response:
    profile = request_profile(request)
    cards = await mylist.cards(request.app[db_key], profile, LIST_PAGE)
    cards = await with_posters(request.app, profile, cards)  # poster tests, as on the home rows
    return page(request, "catalog/my_list.html", {"cards": cards})


async def _toggle(request: web.Request, add: bool) -> web.StreamResponse:
    profile = request_profile(request)
    title_id = int_path(request, "title_id")
    db = request.app[db_key]
    if add:
        await mylist.add(db, profile, title_id)
    else:
        await mylist.remove(db, profile, title_id)
    if not is_htmx(request):
        raise back_or(request, f"/titles/{title_id}")
    big = request.query.get("size") == "big"
    return page(
        request, "catalog/_list_button.html", {"title_id": title_id, "in_list": add, "big": big}
    )


@routes.post("/my-list/{title_id}/add", name="my_list_add")
@access("profile")
async def my_list_add(request: web.Request) -> web.StreamResponse:
    return await _toggle(request, True)


@routes.post("/my-list/{title_id}/remove", name="my_list_remove")
@access("profile")
async def my_list_remove(request: web.Request) -> web.StreamResponse:
    return await _toggle(request, False)


@routes.get("/history", name="history")
@access("profile")
async def history_page(request: web.Request) -> web.Response:
    profile = request_profile(request)
    entries = await history.entries(request.app[db_key], profile)
    return page(request, "catalog/history.html", {"entries": entries})


@routes.post("/history/{media_file_id}/remove", name="history_remove")
@access("profile")
async def history_remove(request: web.Request) -> web.StreamResponse:
    profile = request_profile(request)
    await history.remove(request.app[db_key], profile, int_path(request, "media_file_id"))
    if not is_htmx(request):
        raise web.HTTPSeeOther("/history")
    return web.Response(text="", content_type="text/html")
