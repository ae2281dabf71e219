"""Identify, as Jellyfin calls it: an admin searches the providers for a title and picks the
right match (or confirms a suggested one); the pick is applied at once."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mediaserver.errors import BadRequest, NotFound
from mediaserver.keys import db_key
from mediaserver.metadata import store
from mediaserver.metadata.fetch import ProviderError
from mediaserver.metadata.matching import Match, confidence
from mediaserver.metadata.records import SearchResult
from mediaserver.metadata.registry import providers_key
from mediaserver.metadata.service import RefreshResult, apply_match


@dataclass(frozen=True, slots=True)
class Candidate:
    result: SearchResult
    confidence: float


async def title_or_404(app: web.Application, title_id: int) -> store.TitleRow:
    title = await store.title_row(app[db_key], title_id)
    if title is None:
        raise NotFound("No such title.")
    return title


async def search(
    app: web.Application, title_id: int, query: str, year: int | None
) -> tuple[list[Candidate], list[str]]:
    """Candidates from every enabled provider for this title's kind, most likely first, and
    the providers that failed (in words)."""
    title = await title_or_404(app, title_id)
    kind = "series" if title.kind == "series" else "movie"
    active = app[providers_key].for_kind(kind)
    if not active:
        raise BadRequest("No metadata provider is enabled (Admin > Settings > Metadata).")
    found: list[Candidate] = []
    errors: list[str] = []
    for a in active:
        try:
            results = await a.provider.search(a.client, query, year, kind)
        except ProviderError as exc:
            errors.append(f"{a.provider.label}: {exc}")
            continue
        found += [Candidate(r, confidence(query, year, r)) for r in results]
    found.sort(key=lambda c: -c.confidence)
    return found[:30], errors


async def identify(
    app: web.Application, title_id: int, provider: str, provider_id: str, prefer_provider: bool
) -> RefreshResult:
    """Apply the admin's pick now; a provider failure is a clear 400 naming the provider."""
    await title_or_404(app, title_id)
    if not provider_id.strip() or len(provider_id) > 64:
        raise BadRequest("Choose a match.", field="provider_id")
    if app[providers_key].named(provider) is None:
        raise BadRequest(f"The provider {provider!r} is not enabled.", field="provider")
    match = Match(provider, provider_id.strip(), "admin", 1.0)
    try:
        return await apply_match(app, title_id, match, prefer_provider=prefer_provider)
    except ProviderError as exc:
        await store.record_failure(app[db_key], provider, title_id, str(exc))
        raise BadRequest(f"{provider}: {exc}") from None


async def confirm(app: web.Application, title_id: int) -> RefreshResult:
    """Accept the suggested low-confidence match."""
    found = await store.match_row(app[db_key], title_id)
    if found is None or found.status != "to_confirm" or not found.provider or not found.provider_id:
        raise NotFound("This title has no match waiting to be confirmed.")
    return await identify(app, title_id, found.provider, found.provider_id, found.prefer_provider)
