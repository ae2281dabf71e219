"""Admin > Metadata: matches waiting for confirmation, provider failures, refresh buttons; and
a title's Identify page (search the providers, pick the match). Every change is audited."""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key
from mediaserver.metadata import identify, store
from mediaserver.metadata.jobs import queue_refresh
from mediaserver.metadata.registry import providers_key

routes = web.RouteTableDef()


def _year(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 1870 <= int(text) <= 2200 else None


@routes.get("/admin/metadata", name="admin_metadata")
@access("admin")
async def metadata_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    context = {
        "to_confirm": await store.pending(db, ("to_confirm",)),
        "failed": await store.pending(db, ("failed",), limit=50),
        "failures": await store.failures(db),
        "counts": await store.counts(db),
        "libraries": await store.libraries(db),
        "providers": [
            a.provider.label
            for k in ("movie", "series")
            for a in request.app[providers_key].for_kind(k)
        ],  # fmt: skip
        "done": request.query.get("done", "")[:40],
    }
    context["providers"] = list(dict.fromkeys(context["providers"]))
    return render(request, "metadata/admin.html", context)


@routes.get(r"/admin/metadata/titles/{title_id:\d+}", name="admin_metadata_identify")
@access("admin")
async def identify_page(request: web.Request) -> web.Response:
    title_id = int_path(request, "title_id")
    title = await identify.title_or_404(request.app, title_id)
    query = request.query.get("q", "").strip()[:200]
    year = _year(request.query.get("year"))
    candidates, errors = ([], [])
    if query:
        candidates, errors = await identify.search(request.app, title_id, query, year)
    context = {
        "title": title,
        "match": await store.match_row(request.app[db_key], title_id),
        "q": query or title.title,
        "year": year if query else title.year,
        "searched": bool(query),
        "candidates": candidates,
        "errors": errors,
        "language": request.app[config_key].metadata.language,
        "done": request.query.get("done", "")[:40],
    }
    return render(request, "metadata/identify.html", context)


@routes.post(r"/admin/metadata/titles/{title_id:\d+}/identify", name="admin_metadata_pick")
@access("admin")
async def identify_post(request: web.Request) -> web.Response:
    title_id = int_path(request, "title_id")
    form = await read_input(request)
    provider, provider_id = str(form.get("provider", "")), str(form.get("provider_id", ""))
    prefer = str(form.get("prefer_provider", "")) in ("on", "true", "1")
    await identify.identify(request.app, title_id, provider, provider_id, prefer)
    await audit_request(request, "metadata.identify", f"title {title_id}",
                        {"provider": provider, "provider_id": provider_id})  # fmt: skip
    raise web.HTTPSeeOther(f"/admin/metadata/titles/{title_id}?done=identified")


@routes.post(r"/admin/metadata/titles/{title_id:\d+}/confirm", name="admin_metadata_confirm")
@access("admin")
async def confirm_post(request: web.Request) -> web.Response:
    title_id = int_path(request, "title_id")
    await identify.confirm(request.app, title_id)
    await audit_request(request, "metadata.confirm", f"title {title_id}")
    raise web.HTTPSeeOther("/admin/metadata?done=confirmed")


@routes.post(r"/admin/metadata/titles/{title_id:\d+}/refresh", name="admin_metadata_refresh")
@access("admin")
async def refresh_post(request: web.Request) -> web.Response:
    title_id = int_path(request, "title_id")
    await identify.title_or_404(request.app, title_id)
    await queue_refresh(request.app, [title_id])
    await audit_request(request, "metadata.refresh", f"title {title_id}")
    raise web.HTTPSeeOther(f"/admin/metadata/titles/{title_id}?done=queued")


@routes.post(r"/admin/metadata/libraries/{library_id:\d+}/refresh",
             name="admin_metadata_library_refresh")  # fmt: skip
@access("admin")
async def refresh_library_post(request: web.Request) -> web.Response:
    library_id = int_path(request, "library_id")
    ids = await store.titles_of_library(request.app[db_key], library_id)
    await queue_refresh(request.app, ids)
    await audit_request(request, "metadata.refresh", f"library {library_id}", {"titles": len(ids)})
    raise web.HTTPSeeOther("/admin/metadata?done=queued")
