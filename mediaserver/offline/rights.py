"""Whether a download may still be used: asked when it is made, on every request of its URL and
at every check-in of a saved title, so a right that ended (a plan without downloads or with a
lower quality, a kids profile's cap, a title removed, an account disabled, an admin's revoke)
ends the download too."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import EffectiveLimits, Profile, effective_limits, get_profile
from mediaserver.catalog import may_watch_file
from mediaserver.errors import Forbidden, NotFound
from mediaserver.keys import config_key, db_key
from mediaserver.offline.records import Download

NOT_FOUND = "No such title, or it is not available to this profile."
TURNED_OFF = "Downloads are turned off on this server."
NO_DOWNLOADS = "This account may not download titles."
TOO_HIGH = "This download is above the highest quality this account may have now."
DISABLED = "This account is disabled."


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int  # 403 or 404
    reason: str


def with_hint(text: str, limits: EffectiveLimits) -> str:
    return f"{text} {limits.upgrade_hint}".strip()


async def refusal(app: web.Application, download: Download) -> Refusal | None:
    """Why this download may not be used now, or None when it may."""
    if not app[config_key].offline.enabled:
        return Refusal(403, TURNED_OFF)
    if download.revoked_at is not None:
        return Refusal(403, f"This download was revoked: {download.revoked_reason or 'no reason'}")
    if download.user_disabled:
        return Refusal(403, DISABLED)
    db = app[db_key]
    try:
        profile = await get_profile(db, download.user_id, download.profile_id)
    except NotFound:
        return Refusal(404, NOT_FOUND)
    if not await may_watch_file(db, profile, download.media_file_id):
        return Refusal(404, NOT_FOUND)
    limits = await effective_limits(app, download.user_id)
    if not limits.may_download:
        return Refusal(403, with_hint(NO_DOWNLOADS, limits))
    if limits.max_height and download.height > limits.max_height:
        return Refusal(403, with_hint(TOO_HIGH, limits))
    return None


async def may_offer(app: web.Application, profile: Profile, media_file_id: int) -> EffectiveLimits:
    """The account's limits when this profile may download this title; 404/403 otherwise."""
    if not app[config_key].offline.enabled:
        raise Forbidden(TURNED_OFF)
    if not await may_watch_file(app[db_key], profile, media_file_id):
        raise NotFound(NOT_FOUND)
    limits = await effective_limits(app, profile.user_id)
    if not limits.may_download:
        raise Forbidden(with_hint(NO_DOWNLOADS, limits))
    return limits
