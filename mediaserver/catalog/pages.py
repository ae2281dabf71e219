"""Rendering browse pages: the helpers templates use for times, and the HTMX-aware render."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.http.forms import safe_next
from mediaserver.http.templating import is_htmx, render


def clock(seconds: float | None) -> str:
    """12:34, or 1:02:03 past an hour: how players show a position."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def runtime(seconds: float | None) -> str:
    """1h 52m, 48m, and under a minute in seconds (40 s); empty when unknown."""
    if not seconds:
        return ""
    if seconds < 59.5:
        return f"{max(1, round(seconds))} s"
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return (
        f"{hours}h {minutes}m" if hours and minutes else (f"{hours}h" if hours else f"{minutes}m")
    )


def percent(fraction: float | None) -> int:
    return 0 if fraction is None else max(0, min(100, round(fraction * 100)))


HELPERS = {"clock": clock, "runtime": runtime, "percent": percent}


def page(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return render(request, template, HELPERS | context, block=block, status=status, headers=headers)


def back_or(request: web.Request, default: str) -> web.HTTPSeeOther:
    """After a plain form post (no JavaScript): back to the page it came from, same site only."""
    referer = request.headers.get("Referer", "")
    origin = f"{request.scheme}://{request.host}"
    target = referer[len(origin) :] if referer.startswith(origin + "/") else default
    return web.HTTPSeeOther(safe_next(target, default))


__all__ = ["HELPERS", "back_or", "clock", "is_htmx", "page", "percent", "runtime"]
