"""Whether a connected member may still watch the room's title, checked on every message.

Membership is not enough: an account disabled, a profile made kids or capped lower, or a title
re-rated while the socket is open must end that member's access as it ends their media URLs. The
check is the streaming rights generations (memory only), so it costs nothing per message; only
when a generation moved, or the room moved to another file, is the database asked again.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog import may_watch_file
from mediaserver.db.rights import Generations
from mediaserver.keys import db_key
from mediaserver.streaming import current_generations, rights_changed


@dataclass(frozen=True, slots=True)
class Grant:
    """The rights generations read when this member's access to a file was last confirmed."""

    media_file_id: int
    generations: Generations


async def grant_access(app: web.Application, profile: Profile, media_file_id: int) -> Grant | None:
    """Check that the profile may watch the file now; None when it may not.

    The generations are read before the check, so a change committed after the check raises a
    generation this grant does not carry and is seen at the next message.
    """
    generations = await current_generations(app, profile.user_id, profile.id, media_file_id)
    if not await may_watch_file(app[db_key], profile, media_file_id):
        return None
    return Grant(media_file_id, generations)


async def still_allowed(
    app: web.Application, profile: Profile, media_file_id: int, grant: Grant
) -> Grant | None:
    """The grant to keep using, or None when the member must reconnect to be checked afresh."""
    if grant.media_file_id == media_file_id and not rights_changed(
        app, profile.user_id, profile.id, media_file_id, grant.generations
    ):
        return grant
    fresh = await current_generations(app, profile.user_id, profile.id, media_file_id)
    seen = grant.generations
    if fresh.user > seen.user or fresh.profile > seen.profile:
        # The account or the profile changed (disabled, signed out, made kids...): the profile
        # this socket was opened with is stale, so only a new handshake can say what it may do.
        return None
    if not await may_watch_file(app[db_key], profile, media_file_id):
        return None
    return Grant(media_file_id, fresh)
