"""What every page gets from the accounts domain: who is signed in, the CSRF token, and the
navigation items plugins add for a signed-in user."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts.csrf import csrf_token
from mediaserver.accounts.identity import get_identity
from mediaserver.keys import plugins_key


def identity_context(request: web.Request) -> dict[str, Any]:
    identity = get_identity(request)
    nav: list[dict[str, str]] = []
    pm = request.app.get(plugins_key)
    if pm is not None and identity.user is not None:
        for items in pm.hook.nav_items(identity=identity):
            nav.extend(items or [])
    return {"identity": identity, "csrf_token": csrf_token(request), "plugin_nav": nav}
