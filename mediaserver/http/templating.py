"""Jinja2 templates; HTMX requests get the named block of the same template (jinja2-fragments)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from jinja2_fragments import render_block

from mediaserver import __version__
from mediaserver.keys import templates_key
from mediaserver.web import TEMPLATES


def is_htmx(request: web.Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def setup_templating(app: web.Application, extra_dirs: list[Path]) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, *extra_dirs]),
        autoescape=True,  # everything user-provided is escaped; no |safe on user data
        undefined=jinja2.StrictUndefined,
        enable_async=False,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates (the package's and plugins') are read once: checking their mtimes on every
        # render costs two stat() calls a page. Edit one, restart, as for plugin code.
        auto_reload=False,
    )
    env.globals["version"] = __version__
    env.filters["datetime"] = _format_time
    env.filters["ago"] = _ago
    app[templates_key] = env


def _format_time(ts: float | None) -> str:
    if ts is None:
        return "—"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ago(ts: float | None) -> str:
    if ts is None:
        return "never"
    seconds = max(0, int(time.time() - ts))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


PageContext = Callable[[web.Request], dict[str, Any]]
page_context_key: web.AppKey[list[PageContext]] = web.AppKey("page_context")


def add_page_context(app: web.Application, provider: PageContext) -> None:
    """Let a domain add to what every page gets (the accounts domain: who is signed in, the
    CSRF token, the navigation)."""
    app.setdefault(page_context_key, []).append(provider)


def base_context(request: web.Request) -> dict[str, Any]:
    """What every page needs: the request, its path, and what the domains provide."""
    context: dict[str, Any] = {"request": request, "path": request.path}
    for provider in request.app.get(page_context_key, []):
        context.update(provider(request))
    return context


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Render a page; an HTMX request for `block` gets only that block."""
    env = request.app[templates_key]
    ctx = base_context(request) | (context or {})
    if block and is_htmx(request) and not request.headers.get("HX-Boosted"):
        body = render_block(env, template, block, **ctx)
    else:
        body = env.get_template(template).render(**ctx)
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=headers
    )
