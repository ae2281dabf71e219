"""Clip use cases: create (validated, then made in the background), open one for a viewer or an
anonymous visitor (rights and existence checked every time), list, delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import Profile, get_profile
from mediaserver.catalog import may_watch_file
from mediaserver.errors import NotFound
from mediaserver.keys import config_key, db_key, storage_key
from mediaserver.media.clips import MP4_NAME
from mediaserver.social.clips import making, rules, store
from mediaserver.social.clips.records import Clip, ClipSummary, Visibility

GONE = "No such clip, or not one you may watch."


@dataclass(frozen=True, slots=True)
class Viewer:
    profile: Profile | None  # None: an anonymous visitor
    is_admin: bool = False


async def create(
    app: web.Application,
    viewer: Profile,
    media_file_id: int,
    start: float,
    end: float,
    name: object,
    visibility: Visibility,
) -> Clip:
    """A new clip (queued); 404 when the file is not one this profile may watch, 422 for a
    range or name the rules refuse."""
    db = app[db_key]
    facts = await store.file_facts(db, media_file_id)
    if facts is None or not await may_watch_file(db, viewer, media_file_id):
        raise NotFound("No such title, or not one you may watch.")
    settings = app[config_key].social
    rules.check_range(start, end, facts.duration_seconds, settings.clip_max_seconds)
    clean = rules.clean_name(name)
    if visibility == "public" and not settings.public_clips:
        raise rules.Unprocessable("Public clips are turned off on this server.")
    clip = await store.insert(db, {
        "slug": secrets.token_urlsafe(12), "user_id": viewer.user_id, "profile_id": viewer.id,
        "media_file_id": media_file_id, "title_id": facts.title_id, "start_seconds": start,
        "end_seconds": end, "name": clean, "visibility": visibility, "status": "queued",
        "created_at": store.now(),
    })  # fmt: skip
    await making.queue_making(app, clip.id)
    return clip


async def _owner_may_watch(app: web.Application, clip: Clip) -> bool:
    try:
        owner = await get_profile(app[db_key], clip.user_id, clip.profile_id)
    except NotFound:
        return False
    return await may_watch_file(app[db_key], owner, clip.media_file_id)


def public_link(app: web.Application, clip: Clip) -> bool:
    return clip.visibility == "public" and app[config_key].social.public_clips


async def open_clip(app: web.Application, viewer: Viewer, slug: str) -> Clip:
    """The clip if this viewer may watch it now (the title still there and watchable, for the
    viewer or, for a public clip, its owner); 404 otherwise."""
    clip = await store.by_slug(app[db_key], slug)
    if clip is None:
        raise NotFound(GONE)
    if viewer.profile is not None and await may_watch_file(
        app[db_key], viewer.profile, clip.media_file_id
    ):
        return clip
    if public_link(app, clip) and await _owner_may_watch(app, clip):
        return clip
    raise NotFound(GONE)


async def open_media(app: web.Application, slug: str, name: str) -> Clip:
    """The clip behind a signed media URL: playable (ready, for its MP4), and its title still
    watchable by its owner (and still public when the URL was signed for an anonymous
    visitor)."""
    clip = await store.by_slug(app[db_key], slug)
    made = store.PLAYABLE if name != MP4_NAME else ("ready",)
    if clip is None or clip.status not in made or not await _owner_may_watch(app, clip):
        raise NotFound(GONE)
    return clip


async def delete(app: web.Application, viewer: Viewer, slug: str) -> None:
    """Delete a clip of mine (an admin: anyone's); someone else's is 404, nothing changed."""
    clip = await store.by_slug(app[db_key], slug)
    profile = viewer.profile
    mine = clip is not None and profile is not None and clip.profile_id == profile.id
    if clip is None or not (mine or viewer.is_admin):
        raise NotFound(GONE)
    await store.delete(app[db_key], clip.id)
    if clip.storage_prefix:
        await app[storage_key].delete_prefix(clip.storage_prefix + "/")


async def _watchable(app: web.Application, viewer: Profile | None, found: list[Clip]) -> list[Clip]:
    kept = []
    for clip in found:
        if viewer is not None:
            allowed = await may_watch_file(app[db_key], viewer, clip.media_file_id)
        else:
            allowed = public_link(app, clip) and await _owner_may_watch(app, clip)
        if allowed:
            kept.append(clip)
    return kept


async def clips_of_title(app: web.Application, viewer: Profile, title_id: int) -> list[Clip]:
    """The title's clips the viewer may watch; a title it does not see at all is 404."""
    if not await store.title_seen(app[db_key], viewer, title_id):
        raise NotFound("No such title, or not one you may watch.")
    return await _watchable(app, viewer, await store.listed(app[db_key], store.of_title(title_id)))


async def clips_of_profile(
    app: web.Application, profile_id: int, viewer: Profile | None
) -> list[ClipSummary]:
    """A profile's ready clips that `viewer` may watch (None: an anonymous visitor sees only its
    public ones, when public clips are on)."""
    found = await store.listed(app[db_key], store.of_profile(profile_id))
    return [ClipSummary.of(c) for c in await _watchable(app, viewer, found)]
