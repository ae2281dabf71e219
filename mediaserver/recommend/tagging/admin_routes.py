"""/admin/tagging: titles with suggested tags, each with what the analysis measured (and
Claude's summary and rating when it answered); accept, reject or rename a tag, add one, accept
or reject a whole title's suggestions or many at once, analyse again. Works without
JavaScript (plain forms, redirected back); every change is in the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_form, read_input, safe_next, text_field
from mediaserver.http.templating import render
from mediaserver.keys import config_key
from mediaserver.recommend.tagging import service
from mediaserver.recommend.tagging.api_models import TagReviewQuery
from mediaserver.recommend.tagging.api_routes import MAX_UNANALYSED
from mediaserver.recommend.tagging.jobs import enqueue_tagging
from mediaserver.recommend.tagging.records import BulkAction
from mediaserver.recommend.tagging.service import MAX_ID, path_id

routes = web.RouteTableDef()
PER_PAGE = 25
STATUSES = {"suggested": "To review", "accepted": "Accepted", "rejected": "Rejected", "all": "All"}


async def _back(request: web.Request, done: str) -> web.Response:
    data = await read_input(request)
    raise web.HTTPSeeOther(safe_next(data.get("next"), "/admin/tagging") + "#" + done)


def _ids(values: list[Any], name: str) -> list[int]:
    out = []
    for value in values:
        ok = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10
        if not ok or not 1 <= int(value) <= MAX_ID:
            raise BadRequest(f"'{name}' must be ids (whole numbers).", field=name)
        out.append(int(value))
    return out


@routes.get("/admin/tagging", name="admin_tagging")
@access("admin")
async def admin_tagging(request: web.Request) -> web.Response:
    q = parse_model(
        TagReviewQuery,
        {k: request.query[k] for k in ("status", "page") if k in request.query}
        | {"per_page": PER_PAGE},
    )
    found, total = await service.review_page(request.app, q.status, q.page, PER_PAGE)
    settings = request.app[config_key].recommend
    context = {
        "reviews": found,
        "total": total,
        "status": q.status,
        "statuses": STATUSES,
        "page_number": q.page,
        "pages": max(1, -(-total // PER_PAGE)),
        "claude_on": bool(settings.anthropic_api_key.get_secret_value()),
        "claude_model": settings.anthropic_model,
        "here": request.path_qs,
        "active_page": "tagging",
    }
    return render(request, "recommend/tagging_review.html", context)


@routes.post(
    r"/admin/tagging/tags/{tag_id:\d+}/{action:accept|reject|reopen}", name="admin_tagging_tag"
)
@access("admin")
async def admin_tag_action(request: web.Request) -> web.Response:
    action: BulkAction = request.match_info["action"]  # type: ignore[assignment]
    edited = await service.edit_tag(request.app, path_id(request, "tag_id"), status=action)
    await audit_request(request, f"tag.{action}", f"title {edited.title_id}", {"tag": edited.tag})
    return await _back(request, f"title-{edited.title_id}")


@routes.post(r"/admin/tagging/tags/{tag_id:\d+}/rename", name="admin_tagging_rename")
@access("admin")
async def admin_tag_rename(request: web.Request) -> web.Response:
    data = await read_input(request)
    new = text_field(data, "tag", max_length=80)
    edited = await service.edit_tag(request.app, path_id(request, "tag_id"), rename=new)
    await audit_request(request, "tag.edit", f"title {edited.title_id}", {"tag": edited.tag})
    raise web.HTTPSeeOther(
        safe_next(data.get("next"), "/admin/tagging") + f"#title-{edited.title_id}"
    )


@routes.post(r"/admin/tagging/titles/{title_id:\d+}/add", name="admin_tagging_add")
@access("admin")
async def admin_tag_add(request: web.Request) -> web.Response:
    data = await read_input(request)
    title_id = path_id(request, "title_id")
    added = await service.add_tag(request.app, title_id, text_field(data, "tag", max_length=80))
    await audit_request(request, "tag.add", f"title {title_id}", {"tag": added.tag})
    raise web.HTTPSeeOther(safe_next(data.get("next"), "/admin/tagging") + f"#title-{title_id}")


@routes.post(r"/admin/tagging/titles/{title_id:\d+}/analyse", name="admin_tagging_analyse")
@access("admin")
async def admin_title_analyse(request: web.Request) -> web.Response:
    title_id = path_id(request, "title_id")
    await service.title_review(request.app, title_id)
    await enqueue_tagging(request.app, [title_id])
    await audit_request(request, "tags.analyse", f"title {title_id}")
    return await _back(request, f"title-{title_id}")


@routes.post("/admin/tagging/analyse", name="admin_tagging_analyse_all")
@access("admin")
async def admin_analyse_unanalysed(request: web.Request) -> web.Response:
    jobs = await enqueue_tagging(request.app, await service.unanalysed(request.app, MAX_UNANALYSED))
    await audit_request(request, "tags.analyse", f"{len(jobs)} title(s)")
    raise web.HTTPSeeOther(f"/admin/tagging?queued={len(jobs)}")


@routes.post("/admin/tagging/bulk", name="admin_tagging_bulk")
@access("admin")
async def admin_bulk(request: web.Request) -> web.Response:
    form = await read_form(request)
    action = form.get("action")
    if action not in ("accept", "reject"):
        raise BadRequest("Choose Accept or Reject.", field="action")
    tag_ids = _ids(form.getall("tag_id", []), "tag_id")
    title_ids = _ids(form.getall("title_id", []), "title_id")
    changed = await service.bulk(request.app, action, tag_ids, title_ids)  # type: ignore[arg-type]
    await audit_request(
        request,
        f"tags.bulk_{action}",
        f"{changed} tag(s)",
        {"tags": len(tag_ids), "titles": len(title_ids)},
    )
    next_ = form.get("next")
    raise web.HTTPSeeOther(safe_next(next_ if isinstance(next_, str) else None, "/admin/tagging"))
