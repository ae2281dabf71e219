"""Tagging's JSON API: an admin reviews suggestions (one tag, a title, or in bulk) and queues
analysis; a profile reads a visible title's accepted tags and the tags it can browse."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import api, json_model, parse_model, read_query
from mediaserver.http.auth import access
from mediaserver.http.forms import read_json
from mediaserver.recommend.tagging import service
from mediaserver.recommend.tagging.api_models import (
    TagAddBody,
    TagAnalyseBody,
    TagBulkBody,
    TagBulkOut,
    TagCloudOut,
    TagCountOut,
    TagEditBody,
    TagEnvelope,
    TagJobsOut,
    TagOut,
    TagReviewListOut,
    TagReviewQuery,
    TitleTagsOut,
    ViewerTagsOut,
)
from mediaserver.recommend.tagging.jobs import enqueue_tagging
from mediaserver.recommend.tagging.service import path_id

routes = web.RouteTableDef()
MAX_UNANALYSED = 1000


@routes.get("/api/v1/admin/tags", name="api_admin_tags")
@access("admin")
@api(query=TagReviewQuery, response=TagReviewListOut)
async def api_review_list(request: web.Request) -> web.Response:
    """Titles with suggested (or accepted, rejected, any) tags, most recently analysed first."""
    q = read_query(request, TagReviewQuery)
    found, total = await service.review_page(request.app, q.status, q.page, q.per_page)
    return json_model(
        TagReviewListOut(titles=[TitleTagsOut.of(r) for r in found], total=total, page=q.page)
    )


@routes.get(r"/api/v1/admin/titles/{title_id:\d+}/tags", name="api_admin_title_tags")
@access("admin")
@api(response=TitleTagsOut)
async def api_title_tags(request: web.Request) -> web.Response:
    """One title's tags in every status, with the analysis behind them."""
    found = await service.title_review(request.app, path_id(request, "title_id"))
    return json_model(TitleTagsOut.of(found))


@routes.post(r"/api/v1/admin/titles/{title_id:\d+}/tags", name="api_admin_add_tag")
@access("admin")
@api(body=TagAddBody, response=TagEnvelope, status=201)
async def api_add_tag(request: web.Request) -> web.Response:
    """Add an admin's own tag to a title, accepted."""
    body = parse_model(TagAddBody, await read_json(request))
    title_id = path_id(request, "title_id")
    added = await service.add_tag(request.app, title_id, body.tag)
    await audit_request(request, "tag.add", f"title {title_id}", {"tag": added.tag})
    return json_model(TagEnvelope(tag=TagOut.of(added)), status=201)


@routes.patch(r"/api/v1/admin/tags/{tag_id:\d+}", name="api_admin_edit_tag")
@access("admin")
@api(body=TagEditBody, response=TagEnvelope)
async def api_edit_tag(request: web.Request) -> web.Response:
    """Accept, reject or reopen one suggested tag, or rename it."""
    body = parse_model(TagEditBody, await read_json(request))
    if body.action is None and body.tag is None:
        raise BadRequest("Give an 'action' or a new 'tag'.", field="action")
    tag_id = path_id(request, "tag_id")
    edited = await service.edit_tag(request.app, tag_id, status=body.action, rename=body.tag)
    await audit_request(
        request, f"tag.{body.action or 'edit'}", f"title {edited.title_id}", {"tag": edited.tag}
    )
    return json_model(TagEnvelope(tag=TagOut.of(edited)))


@routes.post("/api/v1/admin/tags/bulk", name="api_admin_tags_bulk")
@access("admin")
@api(body=TagBulkBody, response=TagBulkOut)
async def api_bulk(request: web.Request) -> web.Response:
    """Accept, reject or reopen many tags, or every open suggestion of many titles."""
    body = parse_model(TagBulkBody, await read_json(request))
    changed = await service.bulk(request.app, body.action, body.tag_ids, body.title_ids)
    await audit_request(
        request,
        f"tags.bulk_{body.action}",
        f"{changed} tag(s)",
        {"tags": len(body.tag_ids), "titles": len(body.title_ids)},
    )
    return json_model(TagBulkOut(changed=changed))


@routes.post("/api/v1/admin/tags/analyse", name="api_admin_tags_analyse")
@access("admin")
@api(body=TagAnalyseBody, response=TagJobsOut, status=202)
async def api_analyse(request: web.Request) -> web.Response:
    """Queue the analysis of these titles (and of every title never analysed)."""
    body = parse_model(TagAnalyseBody, await read_json(request))
    ids = list(body.title_ids)
    if body.unanalysed:
        ids += await service.unanalysed(request.app, MAX_UNANALYSED)
    for title_id in body.title_ids:
        await service.title_review(request.app, title_id)  # 404 for no such title
    jobs = await enqueue_tagging(request.app, ids)
    await audit_request(request, "tags.analyse", f"{len(jobs)} title(s)")
    return json_model(TagJobsOut(job_ids=jobs), status=202)


@routes.get(r"/api/v1/titles/{title_id:\d+}/tags", name="api_title_tags")
@access("profile")
@api(response=ViewerTagsOut)
async def api_viewer_tags(request: web.Request) -> web.Response:
    """A title's accepted tags (404 for a title the profile does not see)."""
    title_id = path_id(request, "title_id")
    tags = await service.viewer_tags(request.app, request_profile(request), title_id)
    return json_model(ViewerTagsOut(title_id=title_id, tags=tags))


@routes.get("/api/v1/tags", name="api_tags")
@access("profile")
@api(response=TagCloudOut)
async def api_tag_cloud(request: web.Request) -> web.Response:
    """Accepted tags with how many titles the acting profile may see carry each."""
    found = await service.tag_cloud(request.app, request_profile(request))
    return json_model(
        TagCloudOut(
            tags=[
                TagCountOut(tag=t, kind=k, titles=n)  # type: ignore[arg-type]
                for t, k, n in found
            ]
        )
    )
