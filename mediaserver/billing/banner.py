"""The notice every page shows an account whose payment failed (the grace period's end) or
whose plan fell back to Free because of it, and the Plan link of the navigation."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from mediaserver.accounts import get_identity
from mediaserver.billing.overview import banner
from mediaserver.keys import config_key

_banner_key: web.RequestKey[str] = web.RequestKey("billing_banner")
_SKIP = ("/api/", "/media/", "/static/", "/webhooks/")


@web.middleware
async def banner_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Look the banner up for pages only (page contexts cannot wait on the database)."""
    app = request.app
    if request.method == "GET" and app[config_key].billing.enabled:
        identity = get_identity(request)
        if identity.user is not None and not request.path.startswith(_SKIP):
            request[_banner_key] = await banner(app, identity.user.id)
    return await handler(request)


def banner_context(request: web.Request) -> dict[str, Any]:
    return {
        "billing_banner": request.get(_banner_key, ""),
        "billing_enabled": request.app[config_key].billing.enabled,
    }
