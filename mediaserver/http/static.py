"""Static files from the package's web/static folder; symlinks out of it are never followed."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def setup_static(app: web.Application) -> None:
    app.router.add_static(
        "/static", STATIC, name="static", follow_symlinks=False, append_version=True
    )


async def static_cache_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Static URLs carry ?v=<hash> (append_version), so browsers may keep them for long.
    if request.path.startswith("/static/") and response.status == 200:
        immutable = "v" in request.query
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "public, max-age=3600"
        )
