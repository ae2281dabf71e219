"""Pre-roll: a short clip some accounts see before a title (a higher domain decides who and
which, registering a source with `add_preroll_source`); the player asks before it plays.

    GET /api/v1/playback/preroll    {"preroll": {...}} with a signed URL to the clip, or null

The clip plays from its original file (direct play; the admin chooses a clip browsers play),
by a token bound to the caller and that clip only, not counted as a screen. The first
`unskippable_seconds` cannot be skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import Field

from mediaserver.accounts import Identity, acting_profile, get_identity
from mediaserver.http.api import ApiModel, api, json_model
from mediaserver.http.auth import access
from mediaserver.keys import config_key, db_key, secret_key
from mediaserver.streaming import tokens
from mediaserver.streaming.decision import direct_mime, direct_url
from mediaserver.streaming.rights import current_generations, rights_key
from mediaserver.streaming.store import load_playable

UNSKIPPABLE_SECONDS = 5.0
PrerollSource = Callable[[web.Application, int], Awaitable[int | None]]
preroll_sources_key: web.AppKey[list[PrerollSource]] = web.AppKey("preroll_sources")
routes = web.RouteTableDef()


def add_preroll_source(app: web.Application, source: PrerollSource) -> None:
    """`source(app, user_id)` answers the media file id of the clip that account sees before
    a title, or None; the first source with a clip wins."""
    app.setdefault(preroll_sources_key, []).append(source)


class PrerollClip(ApiModel):
    media_file_id: int
    title: str
    url: str = Field(description="Signed URL of the clip's file.")
    mime: str
    unskippable_seconds: float = Field(description="The Skip button appears after this long.")


class PrerollOut(ApiModel):
    preroll: PrerollClip | None = Field(description="null: play the title at once.")


async def _clip_id(app: web.Application, user_id: int) -> int | None:
    for source in app.get(preroll_sources_key, []):
        found = await source(app, user_id)
        if found:
            return found
    return None


async def preroll_for(app: web.Application, identity: Identity) -> PrerollClip | None:
    """The clip this caller sees before a title, with a URL to play it, or None."""
    if identity.user is None:
        return None
    clip_id = await _clip_id(app, identity.user.id)
    if clip_id is None:
        return None
    file = await load_playable(app[db_key], clip_id, app[config_key].paths.data_dir)
    if file is None:
        return None
    profile_id = acting_profile(identity).id
    generations = await current_generations(app, identity.user.id, profile_id, clip_id)
    token, grant = tokens.issue(
        app[secret_key],
        user_id=identity.user.id,
        profile_id=profile_id,
        media_file_id=clip_id,
        max_height=0,  # the house clip itself: no plan cap applies to it
        ttl_seconds=app[config_key].streaming.token_ttl_seconds,
        generations=generations,
    )
    app[rights_key].learn(grant)
    url = direct_url(token, clip_id, file.source.extension)
    return PrerollClip(
        media_file_id=clip_id,
        title=file.title,
        url=url,
        mime=direct_mime(file.source),
        unskippable_seconds=UNSKIPPABLE_SECONDS,
    )


@routes.get("/api/v1/playback/preroll", name="api_playback_preroll")
@access("profile")
@api(response=PrerollOut)
async def api_preroll(request: web.Request) -> web.Response:
    """The clip to play before a title for this account (null: none)."""
    clip = await preroll_for(request.app, get_identity(request))
    return json_model(PrerollOut(preroll=clip))
