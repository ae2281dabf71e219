"""Which language's artwork a request is shown: the profile's (or the one its page named in the
image URL), then the server's. Pages put the language in their image URLs (`?l=fr`), so a
browser that switches profiles does not keep showing the other profile's cached posters."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from mediaserver.accounts import get_identity
from mediaserver.keys import config_key

CODE = re.compile(r"[a-z]{2,3}")


def server_language(app: web.Application) -> str:
    """The primary tag of the server's metadata language ("pt-BR" -> "pt")."""
    return app[config_key].metadata.language.split("-")[0].lower()


def page_language(request: web.Request) -> str:
    """The language a page asks its artwork in: the profile's, else the server's."""
    profile = get_identity(request).profile
    return (profile.language if profile else None) or server_language(request.app)


def wanted_languages(request: web.Request) -> list[str]:
    """For an image request: the URL's `l` (else the profile's language), then the server's."""
    asked = request.query.get("l", "")
    first = asked if CODE.fullmatch(asked) else page_language(request)
    return list(dict.fromkeys([first, server_language(request.app)]))


def art_context(request: web.Request) -> dict[str, Any]:
    """`art_q`: the query string a page appends to the title and season artwork it shows."""
    return {"art_q": f"?l={page_language(request)}"}
