"""/api/v1/metadata: a title's match, provider search, Identify, refresh of a title or a
library, and the matches waiting for an admin. Admin only."""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.http.api import api, json_model, parse_model, read_query
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_json
from mediaserver.keys import db_key
from mediaserver.metadata import identify, store
from mediaserver.metadata.api_models import (
    MetadataQueuedOut,
    MetadataRefreshOut,
    ProviderCandidateOut,
    ProviderIdentifyBody,
    ProviderMatchList,
    ProviderMatchOut,
    ProviderSearchOut,
    ProviderSearchQuery,
)
from mediaserver.metadata.jobs import queue_refresh

routes = web.RouteTableDef()


def _match_out(title_id: int, m: store.MatchRow | None) -> ProviderMatchOut:
    if m is None:
        return ProviderMatchOut(title_id=title_id, status="none")
    return ProviderMatchOut(
        title_id=title_id, status=m.status, provider=m.provider, provider_id=m.provider_id,  # type: ignore[arg-type]
        method=m.method, confidence=m.confidence, candidate_title=m.candidate_title,
        candidate_year=m.candidate_year, error=m.error, prefer_provider=m.prefer_provider,
    )  # fmt: skip


@routes.get(r"/api/v1/metadata/titles/{title_id:\d+}", name="api_metadata_match")
@access("admin")
@api(response=ProviderMatchOut)
async def api_match(request: web.Request) -> web.Response:
    """A title's match: provider, id, how it was made and how sure it is."""
    title_id = int_path(request, "title_id")
    await identify.title_or_404(request.app, title_id)
    return json_model(_match_out(title_id, await store.match_row(request.app[db_key], title_id)))


@routes.get(r"/api/v1/metadata/titles/{title_id:\d+}/search", name="api_metadata_search")
@access("admin")
@api(query=ProviderSearchQuery, response=ProviderSearchOut)
async def api_search(request: web.Request) -> web.Response:
    """Search the enabled providers for candidates for this title."""
    q = read_query(request, ProviderSearchQuery)
    found, errors = await identify.search(request.app, int_path(request, "title_id"), q.q, q.year)
    candidates = [
        ProviderCandidateOut(provider=c.result.provider, provider_id=c.result.provider_id,
                     kind=c.result.kind, title=c.result.title, year=c.result.year,
                     original_title=c.result.original_title, overview=c.result.overview,
                     confidence=c.confidence)
        for c in found
    ]  # fmt: skip
    return json_model(ProviderSearchOut(candidates=candidates, errors=errors))


@routes.post(r"/api/v1/metadata/titles/{title_id:\d+}/identify", name="api_metadata_identify")
@access("admin")
@api(body=ProviderIdentifyBody, response=MetadataRefreshOut)
async def api_identify(request: web.Request) -> web.Response:
    """Match the title to this provider entry and apply it now."""
    title_id = int_path(request, "title_id")
    body = parse_model(ProviderIdentifyBody, await read_json(request))
    result = await identify.identify(
        request.app, title_id, body.provider, body.provider_id, body.prefer_provider
    )
    await audit_request(request, "metadata.identify", f"title {title_id}",
                        {"provider": body.provider, "provider_id": body.provider_id})  # fmt: skip
    return json_model(
        MetadataRefreshOut(title_id=title_id, outcome=result.outcome, message=result.message)
    )


@routes.post(r"/api/v1/metadata/titles/{title_id:\d+}/refresh", name="api_metadata_refresh")
@access("admin")
@api(response=MetadataQueuedOut, status=202)
async def api_refresh(request: web.Request) -> web.Response:
    """Queue a refresh of this title's metadata and artwork."""
    title_id = int_path(request, "title_id")
    await identify.title_or_404(request.app, title_id)
    jobs = await queue_refresh(request.app, [title_id])
    await audit_request(request, "metadata.refresh", f"title {title_id}")
    return json_model(MetadataQueuedOut(titles=1, jobs=jobs), status=202)


@routes.post(r"/api/v1/metadata/libraries/{library_id:\d+}/refresh",
             name="api_metadata_library_refresh")  # fmt: skip
@access("admin")
@api(response=MetadataQueuedOut, status=202)
async def api_refresh_library(request: web.Request) -> web.Response:
    """Queue a refresh of every title in a library."""
    library_id = int_path(request, "library_id")
    ids = await store.titles_of_library(request.app[db_key], library_id)
    jobs = await queue_refresh(request.app, ids)
    await audit_request(request, "metadata.refresh", f"library {library_id}", {"titles": len(ids)})
    return json_model(MetadataQueuedOut(titles=len(ids), jobs=jobs), status=202)


@routes.get("/api/v1/metadata/matches", name="api_metadata_matches")
@access("admin")
@api(response=ProviderMatchList)
async def api_matches(request: web.Request) -> web.Response:
    """Matches waiting for an admin to confirm, then those that failed."""
    rows = await store.pending(request.app[db_key], ("to_confirm", "failed"))
    return json_model(
        ProviderMatchList(matches=[_match_out(p.match.title_id, p.match) for p in rows])
    )
