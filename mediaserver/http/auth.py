"""Who may call what. Every handler declares an access level; undeclared routes are refused
(the accounts domain's middleware enforces the levels).

Levels: "public" (anyone), "user" (signed in by session or API key), "profile" (signed in with a
profile chosen; browsers are sent to the picker), "admin", and "token": media URLs whose
signed path token is the only credential. For "token" routes the caller's cookies and headers are
not read at all: no ambient authority reaches media, and segment serving costs no database read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from aiohttp import web

Access = Literal["public", "user", "profile", "admin", "token"]
ACCESS_ATTR = "__mediaserver_access__"
SESSION_COOKIE = "ms_session"
F = TypeVar("F", bound=Callable[..., object])


def access(level: Access) -> Callable[[F], F]:
    """Declare who may call a handler."""

    def mark(handler: F) -> F:
        setattr(handler, ACCESS_ATTR, level)
        return handler

    return mark


def route_access(route: web.AbstractRoute | None) -> Access | None:
    if route is None:
        return None
    if isinstance(route.resource, web.StaticResource):
        return "public"
    return getattr(route.handler, ACCESS_ATTR, None)
