"""Refreshing one title: match it (ids first, then name and year), fetch its details from the
provider, download and check its artwork, and write it all; a title no provider knows still gets
a poster from its own files (see `fallback_art`)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from mediaserver.accounts import profile_languages
from mediaserver.keys import config_key, db_key, storage_key
from mediaserver.library import name_key
from mediaserver.metadata import fallback_art, store
from mediaserver.metadata.apply import Artwork, Fetched, Rules, TitleArt, apply_info
from mediaserver.metadata.artwork import ImageRefused, store_image
from mediaserver.metadata.fetch import ProviderError, RateLimited
from mediaserver.metadata.local_nfo import nfo_fields
from mediaserver.metadata.matching import Match, find
from mediaserver.metadata.pick import (
    ANY_LANGUAGE,
    image_languages,
    title_art,
    wanted_photos,
    wanted_stills,
)
from mediaserver.metadata.records import TitleInfo
from mediaserver.metadata.registry import Active, providers_key

log = logging.getLogger(__name__)

Outcome = Literal["matched", "to_confirm", "unmatched", "failed", "gone", "no_providers"]
IMAGE_CONCURRENCY = 6


@dataclass(frozen=True, slots=True)
class RefreshResult:
    title_id: int
    outcome: Outcome
    message: str = ""


async def refresh_title(
    app: web.Application, title_id: int, *, rematch: bool = False
) -> RefreshResult:
    """Match (unless matched before and not `rematch`), fetch and apply one title.
    RateLimited propagates: the job waits out the provider's Retry-After."""
    db = app[db_key]
    title = await store.title_row(db, title_id)
    if title is None:
        return RefreshResult(title_id, "gone")
    kind = "series" if title.kind == "series" else "movie"
    active = app[providers_key].for_kind(kind)
    if not active:
        await fallback_art.ensure_poster(app, title_id, title.kind)
        await store.save_match(db, title_id, status="unmatched", error=None)
        return RefreshResult(title_id, "no_providers")
    previous = await store.match_row(db, title_id)
    settings = app[config_key].metadata
    try:
        if previous and previous.status == "to_confirm" and not rematch:
            return RefreshResult(title_id, "to_confirm")
        if previous and previous.status == "matched" and previous.provider_id and not rematch:
            match = Match(previous.provider, previous.provider_id, previous.method or "search",  # type: ignore[arg-type]
                          previous.confidence or 1.0)  # fmt: skip
        else:
            match = await find(active, title.title, title.year, kind, title.known_ids())
        if match is None or match.confidence < settings.min_confidence:
            await store.save_match(db, title_id, status="unmatched", provider=None,
                                   provider_id=None, confidence=match.confidence if match else None,
                                   error=None)  # fmt: skip
            await fallback_art.ensure_poster(app, title_id, title.kind)
            return RefreshResult(title_id, "unmatched")
        if match.method == "search" and match.confidence < settings.accept_confidence:
            await store.save_match(db, title_id, status="to_confirm", provider=match.provider,
                                   provider_id=match.provider_id, method=match.method,
                                   confidence=match.confidence, candidate_title=match.title,
                                   candidate_year=match.year, error=None)  # fmt: skip
            await fallback_art.ensure_poster(app, title_id, title.kind)
            return RefreshResult(title_id, "to_confirm")
        return await apply_match(app, title_id, match, prefer_provider=None)
    except RateLimited:
        raise
    except ProviderError as exc:
        name = active[0].provider.name
        await store.record_failure(db, name, title_id, str(exc))
        if previous is None or previous.status != "matched":
            await store.save_match(db, title_id, status="failed", error=str(exc)[:1000])
        await fallback_art.ensure_poster(app, title_id, title.kind)
        return RefreshResult(title_id, "failed", str(exc))


async def apply_match(
    app: web.Application, title_id: int, match: Match, *, prefer_provider: bool | None
) -> RefreshResult:
    """Fetch the matched title's details and write them (an admin's Identify comes here too)."""
    db = app[db_key]
    settings = app[config_key].metadata
    title = await store.title_row(db, title_id)
    if title is None:
        return RefreshResult(title_id, "gone")
    found = app[providers_key].named(match.provider)
    if found is None:
        raise ProviderError(f"the provider {match.provider} is not enabled")
    kind = "series" if title.kind == "series" else "movie"
    # Artwork in every language a profile chose, besides the server's.
    languages = await profile_languages(db)
    extra = (
        {"image_languages": tuple(image_languages(settings.language, languages))}
        if getattr(found.provider, "multilingual_images", False)
        else {}
    )
    info = await found.provider.details(
        found.client, match.provider_id, kind, settings.language, **extra
    )
    if info is None:
        raise ProviderError(f"{found.provider.label} has no {kind} {match.provider_id}")
    previous = await store.match_row(db, title_id)
    prefer = (
        (previous.prefer_provider if previous else False)
        if prefer_provider is None
        else prefer_provider
    )
    rules = Rules(title.locked, await nfo_fields(db, title_id, title.kind), prefer,
                  previous.written if previous else {})  # fmt: skip
    art = await download_art(app, found, title_id, info, languages)
    async with db.write() as conn:
        written = await apply_info(
            conn, title_id, info, rules, art,
            max_cast=settings.max_cast, admin_match=match.method == "admin",
        )  # fmt: skip
    now = time.time()
    await store.save_match(
        db, title_id, status="matched", provider=match.provider, provider_id=match.provider_id,
        method=match.method, confidence=match.confidence, candidate_title=info.title,
        candidate_year=info.year, error=None, prefer_provider=prefer, written=written,
        airing=info.airing,
        next_refresh_at=now + settings.airing_refresh_days * 86400 if info.airing else None,
        art_languages=",".join(sorted(extra["image_languages"])) if extra else ANY_LANGUAGE,
    )  # fmt: skip
    if not any(a.kind == "poster" for a in art.title):
        await fallback_art.ensure_poster(app, title_id, title.kind)
    return RefreshResult(title_id, "matched")


async def download_art(
    app: web.Application,
    found: Active,
    title_id: int,
    info: TitleInfo,
    languages: list[str] | tuple[str, ...] = (),
) -> Artwork:
    """Every wanted image (the title's art for the server's and these profile languages),
    fetched and checked; one that fails is recorded and skipped."""
    settings = app[config_key].metadata
    storage, db = app[storage_key], app[db_key]
    art = Artwork()
    slots = asyncio.Semaphore(IMAGE_CONCURRENCY)
    prefix = f"images/titles/{title_id}/provider"

    have_urls = await store.stored_sources(db, title_id)
    photos = wanted_photos(info, settings.max_cast)
    with_photo = await store.people_with_photos(db, [name_key(n) for n in photos])

    async def one(url: str, kind: str, put, language: str | None = None, base: str = prefix):
        if url in have_urls:
            return  # stored by an earlier refresh; apply keeps what is there
        async with slots:
            try:
                data = await found.client.get_image(url)
                stored = await store_image(storage, base, kind, data)
            except RateLimited:
                return
            except (ProviderError, ImageRefused) as exc:
                await store.record_failure(db, found.provider.name, title_id, f"image {url}: {exc}")
                return
        put(Fetched(stored, url, language))

    jobs = [
        one(c.ref.url, c.kind,
            lambda f, c=c: art.title.append(TitleArt(c.kind, f, c.selected)), c.ref.language)
        for c in title_art(info, settings.language, languages)
    ]  # fmt: skip
    if info.kind == "series":
        have = await store.episode_numbers(db, title_id)
        for key, url in wanted_stills(info, have).items():
            jobs.append(one(url, "thumb", lambda f, k=key: art.stills.__setitem__(k, f)))
        seasons = {s for s, _ in have}
        for s in info.seasons:
            if s.poster_url and s.number in seasons:
                jobs.append(one(s.poster_url, "poster",
                                lambda f, n=s.number: art.seasons.__setitem__(n, f)))  # fmt: skip
    for name, url in photos.items():
        if name_key(name) in with_photo:
            continue
        jobs.append(one(url, "profile", lambda f, n=name: art.photos.__setitem__(n, f),
                        base="images/people"))  # fmt: skip
    await asyncio.gather(*jobs)
    return art
