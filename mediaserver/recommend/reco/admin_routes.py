"""Admin > Recommendations: the last training run and Retrain now."""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key
from mediaserver.recommend.reco import store, training

routes = web.RouteTableDef()


@routes.get("/admin/recommendations", name="admin_recommendations")
@access("admin")
async def admin_page(request: web.Request) -> web.Response:
    context = {
        "run": await store.last_run(request.app[db_key]),
        "settings": request.app[config_key].recommend,
        "queued": request.query.get("queued", "")[:12],
    }
    return render(request, "recommend/admin.html", context)


@routes.post("/admin/recommendations/train", name="admin_recommendations_train")
@access("admin")
async def admin_train(request: web.Request) -> web.Response:
    queued = await training.queue_training(request.app)
    await audit_request(request, "recommendations.train", "recommendation model")
    raise web.HTTPSeeOther(f"/admin/recommendations?queued={queued.job_id}")
