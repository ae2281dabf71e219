"""The home page. Browsing rows arrive with the library and catalog issues."""

from __future__ import annotations

from aiohttp import web

from mediaserver.http.auth import access
from mediaserver.http.templating import render

routes = web.RouteTableDef()


@routes.get("/", name="home")
@access("profile")
async def home(request: web.Request) -> web.Response:
    return render(request, "catalog/home.html")
