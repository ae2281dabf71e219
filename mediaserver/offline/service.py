"""Downloads as a user and an admin use them: what a title offers, making a download (within
"downloads at once"), its signed URL, checking saved titles in, removing and revoking."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from mediaserver.accounts import EffectiveLimits, Profile
from mediaserver.errors import BadRequest, Forbidden, NotFound
from mediaserver.keys import config_key, db_key, secret_key
from mediaserver.media.ladder.rungs import RUNGS
from mediaserver.media.languages import display_name
from mediaserver.offline import source_offer, store, url_tokens
from mediaserver.offline.keys import source_maker_key
from mediaserver.offline.records import (
    Download,
    DownloadKind,
    DownloadOptions,
    QualityChoice,
    TrackChoice,
)
from mediaserver.offline.rights import TOO_HIGH, may_offer, refusal, with_hint
from mediaserver.offline.source_mp4 import SOURCE_RUNG
from mediaserver.packaging import Ladder, get_ladder

NO_LADDER = "This title has no packaged version yet, so it cannot be downloaded."
REVOKED_BY_ADMIN = "Revoked by an administrator."
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def published_ladder(app: web.Application, media_file_id: int) -> Ladder:
    ladder = await get_ladder(app[db_key], media_file_id)
    if ladder is None or not ladder.published or not ladder.rungs:
        raise NotFound(NO_LADDER)
    return ladder


async def has_ladder(app: web.Application, media_file_id: int, rung: str) -> bool:
    """Whether the file's published ladder has this rung (a download made from the source
    before a ladder was published keeps coming from the source)."""
    ladder = await get_ladder(app[db_key], media_file_id)
    return ladder is not None and ladder.published and any(r.name == rung for r in ladder.rungs)


def _label(language: str | None, title: str | None) -> str:
    return title or display_name(language)


async def options(app: web.Application, profile: Profile, media_file_id: int) -> DownloadOptions:
    """The Download form's choices for this file: from its published ladder, or from its source
    file when it has none; 404 (not visible, no file), 403."""
    limits = await may_offer(app, profile, media_file_id)
    ladder = await get_ladder(app[db_key], media_file_id)
    if ladder is None or not ladder.published or not ladder.rungs:
        return await _source_options(app, profile, media_file_id, limits)
    rungs = [r for r in ladder.rungs if not limits.max_height or r.height <= limits.max_height]
    if not rungs:
        raise Forbidden(with_hint(TOO_HIGH, limits))
    audio = tuple(
        TrackChoice(a.name, a.language, _label(a.language, a.title)) for a in ladder.audio
    )
    subs = tuple(
        TrackChoice(
            s.name, s.language, _label(s.language, None) + (" (forced)" if s.forced else "")
        )
        for s in ladder.subtitles
        if s.key and s.name and not s.burn_in_only
    )
    db = app[db_key]
    held = await store.held(db, profile.user_id, time.time())
    return DownloadOptions(
        media_file_id=media_file_id,
        title=ladder.title or "Untitled",
        qualities=tuple(
            QualityChoice(r.name, r.height, r.width)
            for r in sorted(rungs, key=lambda r: r.height, reverse=True)
        ),
        audio=audio,
        subtitles=subs,
        held=held,
        limit=download_limit(app, limits.max_downloads),
        duration_seconds=ladder.duration_seconds,
    )


async def _source_options(
    app: web.Application, profile: Profile, media_file_id: int, limits: EffectiveLimits
) -> DownloadOptions:
    file = await source_offer.source_file(app, media_file_id)
    qualities = source_offer.qualities(file, limits.max_height)
    if not qualities:
        raise Forbidden(with_hint(TOO_HIGH, limits))
    held = await store.held(app[db_key], profile.user_id, time.time())
    return DownloadOptions(
        media_file_id=media_file_id, title=file.title, qualities=qualities,
        audio=source_offer.audio_choices(file), subtitles=source_offer.subtitle_choices(file),
        held=held,
        limit=download_limit(app, limits.max_downloads), duration_seconds=file.duration_seconds,
        from_source=True,
    )  # fmt: skip


def download_limit(app: web.Application, account_limit: int) -> int:
    server = app[config_key].offline.max_saved_titles
    return min(server, account_limit) if account_limit else server


@dataclass(frozen=True, slots=True)
class Choice:
    kind: DownloadKind
    rung: str | None
    audio: str | None
    subtitles: tuple[str, ...]


async def create(
    app: web.Application, profile: Profile, media_file_id: int, choice: Choice
) -> Download:
    """Make a download of this rendition (the best allowed quality and default audio when not
    chosen); 403 past "downloads at once"."""
    offer = await options(app, profile, media_file_id)
    ladder = await get_ladder(app[db_key], media_file_id)
    quality = offer.qualities[0] if choice.rung is None else _pick_rung(ladder, offer, choice.rung)
    audio = choice.audio
    if audio is None and offer.audio:
        # a source's tracks are listed default first; a ladder marks its default rendition
        found = (a.name for a in ladder.audio if a.default) if ladder else iter(())
        audio = next(found, offer.audio[0].name)
    if audio is not None and audio not in {a.name for a in offer.audio}:
        raise BadRequest(f"This title has no audio track {audio!r}.", field="audio")
    known = {s.name for s in offer.subtitles}
    unknown = [s for s in choice.subtitles if s not in known]
    if unknown:
        raise BadRequest(f"This title has no subtitles {unknown[0]!r}.", field="subtitles")
    if offer.held >= offer.limit:
        raise Forbidden(
            f"You already hold {offer.held} downloads, the most this account may have at once. "
            "Remove one on the Downloads page first."
        )
    now = time.time()
    days = app[config_key].offline.checkin_days
    return await store.insert(app[db_key], {
        "user_id": profile.user_id, "profile_id": profile.id, "media_file_id": media_file_id,
        "kind": choice.kind, "rung": quality.rung, "height": quality.height, "audio": audio,
        "subtitles": list(dict.fromkeys(choice.subtitles)), "created_at": now,
        "checked_in_at": now, "expires_at": now + days * 86400,
    })  # fmt: skip


def _pick_rung(ladder: Ladder | None, offer: DownloadOptions, rung: str) -> QualityChoice:
    found = next((q for q in offer.qualities if q.rung == rung), None)
    if found is not None:
        return found
    names = {r.name for r in ladder.rungs} if ladder else {*RUNGS, SOURCE_RUNG}
    if rung in names:
        raise Forbidden(TOO_HIGH)
    raise BadRequest(f"This title has no quality {rung!r}.", field="rung")


def file_name(download: Download) -> str:
    base = _UNSAFE_NAME.sub("-", download.title).strip("-._")[:80] or "download"
    return f"{base}-{download.height}p.mp4"


def file_url(app: web.Application, download: Download) -> str:
    """A fresh signed URL of the download's MP4."""
    ttl = app[config_key].offline.url_minutes * 60
    token = url_tokens.sign(app[secret_key], download.id, ttl)
    return f"/offline/file/{token}/{file_name(download)}"


async def mine(app: web.Application, user_id: int, profile: Profile | None) -> list[Download]:
    """The account's downloads; a capped (kids) profile sees only its own, so it never learns
    the names of titles above its cap."""
    found = await store.of_user(app[db_key], user_id)
    if profile is not None and profile.max_rating is not None:
        found = [d for d in found if d.profile_id == profile.id]
    return found


async def own(app: web.Application, user_id: int, download_id: int) -> Download:
    found = await store.get(app[db_key], download_id)
    if found is None or found.user_id != user_id:
        raise NotFound("No such download.")
    return found


async def remove(app: web.Application, user_id: int, download_id: int) -> None:
    """The user gives a download back (its slot frees at once)."""
    if not await store.delete(app[db_key], download_id, user_id):
        raise NotFound("No such download.")


CheckInStatus = Literal["ok", "revoked", "gone"]


@dataclass(frozen=True, slots=True)
class CheckIn:
    id: int
    status: CheckInStatus
    reason: str | None
    expires_at: float | None


async def check_in(app: web.Application, user_id: int, ids: list[int]) -> list[CheckIn]:
    """Each saved title asks whether it may still play: yes (until the next check-in is due),
    revoked (with why: the browser deletes it) or gone (removed, or another account's)."""
    db, now = app[db_key], time.time()
    days = app[config_key].offline.checkin_days
    answers = []
    for download_id in dict.fromkeys(ids):
        found = await store.get(db, download_id)
        if found is None or found.user_id != user_id:
            answers.append(CheckIn(download_id, "gone", "This download was removed.", None))
            continue
        refused = await refusal(app, found)
        if refused is not None:
            await store.revoke(db, found.id, refused.reason, now)
            answers.append(CheckIn(found.id, "revoked", refused.reason, None))
            continue
        expires = now + days * 86400
        await store.update(db, found.id, checked_in_at=now, expires_at=expires)
        answers.append(CheckIn(found.id, "ok", None, expires))
    return answers


async def revoke(app: web.Application, download_id: int) -> Download:
    """An admin ends a download: its URLs stop at once, browsers delete it at check-in."""
    db = app[db_key]
    if not await store.revoke(db, download_id, REVOKED_BY_ADMIN, time.time()):
        found = await store.get(db, download_id)
        if found is None:
            raise NotFound("No such download.")
        return found
    found = await store.get(db, download_id)
    assert found is not None
    return found


async def purge_old(app: web.Application) -> int:
    """Housekeeping: downloads revoked or overdue longer than keep_revoked_days, and MP4s made
    from sources longer ago than that."""
    days = app[config_key].offline.keep_revoked_days
    before = time.time() - days * 86400
    files = await asyncio.to_thread(app[source_maker_key].sweep, before)
    return await store.purge(app[db_key], before) + files
