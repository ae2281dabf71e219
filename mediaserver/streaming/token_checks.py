"""The check every media URL goes through: its signed token, whether the rights it was issued
under still hold, and whether an admin stopped it."""

from __future__ import annotations

from aiohttp import web

from mediaserver.errors import BadRequest, Forbidden
from mediaserver.keys import secret_key
from mediaserver.streaming import tokens
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.rights import rights_key

REVOKED = "What this media URL was allowed to play has changed; ask for a new one."


def check_token(request: web.Request, media_file_id: int | None = None) -> tokens.MediaGrant:
    """The request's grant: verified (401/403), issued under rights that still hold (403: the
    account, profile or file changed since; rights.py, no query) and not stopped by an admin
    (403). Media URLs take no query parameters at all: everything is in the strictly parsed
    path, so an unknown key is refused (400) rather than silently ignored (docs/security.md,
    encoder option injection)."""
    if request.query_string:
        key = next(iter(request.query.keys()), request.query_string)[:40]
        raise BadRequest(f"Media URLs take no query parameters; {key!r} is not one.")
    grant = tokens.verify(request.app[secret_key], request.match_info["token"], media_file_id)
    if request.app[rights_key].is_revoked(grant):
        raise Forbidden(REVOKED)
    if request.app[active_streams_key].is_stopped(grant.play_id):
        raise Forbidden("An administrator stopped this stream.")
    return grant
