"""The admin's billing page and API: figures, plans, exempt accounts, the pre-roll clip.

GET  /admin/billing                          figures, plan editor, subscribers, pre-roll
POST /admin/billing/plans/{key}              save a plan (form)
POST /admin/billing/exempt                   (form: username, exempt) bill an account or not
POST /admin/billing/preroll                  (form: media_file_id, empty for none)
POST /admin/billing/sync                     make Stripe Prices for plans whose price changed
GET  /api/v1/admin/billing/plans             the plans
PUT  /api/v1/admin/billing/plans/{key}       save a plan
PUT  /api/v1/admin/billing/users/{id}/exempt {"exempt": bool}
"""

from __future__ import annotations

from aiohttp import web
from pydantic import ConfigDict

from mediaserver.accounts import find_user
from mediaserver.billing.admin_service import (
    exempt_user,
    save_plan_input,
    stripe_links,
    sync_prices,
)
from mediaserver.billing.api_models import PlanBody, PlanOut
from mediaserver.billing.overview import money
from mediaserver.billing.plans import list_plans
from mediaserver.billing.preroll import choose_clip, clip_choices
from mediaserver.billing.stats import billing_stats
from mediaserver.db.audit import audit_request
from mediaserver.errors import NotFound
from mediaserver.http.api import ApiModel, api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import bool_field, int_path, read_input, text_field
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key

routes = web.RouteTableDef()
PAGE = "/admin/billing"


class ExemptBody(ApiModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    exempt: bool


class ExemptOut(ApiModel):
    user_id: int
    exempt: bool


@routes.get(PAGE, name="admin_billing")
@access("admin")
async def admin_billing(request: web.Request) -> web.Response:
    db = request.app[db_key]
    context = {
        "stats": await billing_stats(db),
        "enabled": request.app[config_key].billing.enabled,
        "clips": await clip_choices(db),
        "money": money,
        "links": stripe_links(request.app),
        "notice": request.query.get("notice", "")[:200],
    }
    return render(request, "billing/admin.html", context)


@routes.post(PAGE + "/plans/{key}", name="admin_billing_plan")
@access("admin")
async def admin_billing_plan(request: web.Request) -> web.Response:
    data = await read_input(request)
    fields = {k: data.get(k) for k in PlanBody.model_fields if k in data}
    for flag in ("may_download", "preroll"):
        fields[flag] = bool_field(data, flag)
    plan = await save_plan_input(request, request.match_info["key"], fields)
    raise web.HTTPSeeOther(f"{PAGE}?notice=Saved+{plan.key}")


@routes.post(PAGE + "/exempt", name="admin_billing_exempt")
@access("admin")
async def admin_billing_exempt(request: web.Request) -> web.Response:
    data = await read_input(request)
    user = await find_user(request.app[db_key], text_field(data, "username", max_length=64))
    if user is None:
        raise NotFound("No such user.")
    exempt = bool_field(data, "exempt")
    await exempt_user(request.app, user.id, exempt)
    await audit_request(request, "billing.exempt", user.username, {"exempt": exempt})
    raise web.HTTPSeeOther(f"{PAGE}?notice=Saved")


@routes.post(PAGE + "/preroll", name="admin_billing_preroll")
@access("admin")
async def admin_billing_preroll(request: web.Request) -> web.Response:
    raw = text_field(await read_input(request), "media_file_id", max_length=20)
    chosen = int(raw) if raw.isdigit() else None
    await choose_clip(request.app[db_key], chosen)
    await audit_request(request, "billing.preroll", str(chosen or "none"))
    raise web.HTTPSeeOther(f"{PAGE}?notice=Saved")


@routes.post(PAGE + "/sync", name="admin_billing_sync")
@access("admin")
async def admin_billing_sync(request: web.Request) -> web.Response:
    count = await sync_prices(request.app)
    raise web.HTTPSeeOther(f"{PAGE}?notice=Stripe+prices+checked+for+{count}+plans")


@routes.get("/api/v1/admin/billing/plans", name="api_admin_billing_plans")
@access("admin")
@api(response=list[PlanOut])
async def api_admin_plans(request: web.Request) -> web.Response:
    """Every plan with its entitlements."""
    plans = await list_plans(request.app[db_key])
    return json_model([PlanOut.of(p) for p in plans], response_type=list[PlanOut])


@routes.put("/api/v1/admin/billing/plans/{key}", name="api_admin_billing_plan")
@access("admin")
@api(body=PlanBody, response=PlanOut)
async def api_admin_plan(request: web.Request) -> web.Response:
    """Change a plan's name, price and entitlements (all fields at once)."""
    plan = await save_plan_input(request, request.match_info["key"], await read_input(request))
    return json_model(PlanOut.of(plan))


@routes.put("/api/v1/admin/billing/users/{user_id}/exempt", name="api_admin_billing_exempt")
@access("admin")
@api(body=ExemptBody, response=ExemptOut)
async def api_admin_exempt(request: web.Request) -> web.Response:
    """Bill an account by its plan, or not at all (exempt: it has everything)."""
    user_id = int_path(request, "user_id")
    body = parse_model(ExemptBody, await read_input(request))
    account = await exempt_user(request.app, user_id, body.exempt)
    await audit_request(request, "billing.exempt", f"user #{user_id}", {"exempt": body.exempt})
    return json_model(ExemptOut(user_id=user_id, exempt=account.exempt))
