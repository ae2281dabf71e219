"""Static files from web/static (installed as mediaserver.web); symlinks out are never followed."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aiohttp import web

from mediaserver.keys import templates_key
from mediaserver.web import STATIC


def setup_static(app: web.Application) -> None:
    """Serve /static and give templates `static("css/app.css")`. Call after setup_templating."""
    resource = app.router.add_static(
        "/static", STATIC, name="static", follow_symlinks=False, append_version=True
    )
    app.on_response_prepare.append(static_cache_headers)
    app[templates_key].globals["static"] = static_url(resource)


def static_url(resource: web.StaticResource) -> Callable[[str], str]:
    """A function from a file name under /static to its URL with ?v=<hash of the file>.

    append_version reads and hashes the file on every url_for; pages ask for the same few files
    on every request, and the package's static files don't change while the process runs, so
    each URL is computed once.
    """

    @functools.lru_cache(maxsize=1024)
    def url(filename: str) -> str:
        return str(resource.url_for(filename=filename))

    return url


async def static_cache_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Static URLs carry ?v=<hash> (append_version), so browsers may keep them for long.
    if request.path.startswith("/static/") and response.status == 200:
        immutable = "v" in request.query
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "public, max-age=3600"
        )
