"""The recommendations JSON API: a profile's rows, a title's similar titles,
Not interested, onboarding picks; and for admins, the last run and Retrain now."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.db.audit import audit_request
from mediaserver.errors import NotFound
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_json
from mediaserver.keys import db_key
from mediaserver.recommend.reco import onboarding, service, store, training
from mediaserver.recommend.reco.api_models import (
    RecoCardOut,
    RecoCardsOut,
    RecommendationsOut,
    RecoNotInterestedListOut,
    RecoNotInterestedOut,
    RecoOnboardingBody,
    RecoOnboardingOut,
    RecoRowOut,
    RecoRunOut,
    RecoTrainOut,
)

routes = web.RouteTableDef()


@routes.get("/api/v1/recommendations", name="api_recommendations")
@access("profile")
@api(response=RecommendationsOut)
async def api_recommendations(request: web.Request) -> web.Response:
    """This profile's rows: Top picks, Because you watched X, Trending now, New for you."""
    profile = request_profile(request)
    found = []
    for key in service.ROW_KEYS:
        row = await service.load_row(request.app, profile, key)
        if row is not None:
            found.append(RecoRowOut.of(row))
    personal = bool(found) and found[0].key == "reco-top" and found[0].href is None
    return json_model(RecommendationsOut(rows=found, personal=personal))


async def _visible_title(request: web.Request) -> int:
    title_id = int_path(request, "title_id")
    if not await onboarding.may_see(request.app[db_key], request_profile(request), title_id):
        raise NotFound("No such title.")
    return title_id


@routes.get(r"/api/v1/titles/{title_id:\d+}/similar", name="api_reco_similar")
@access("profile")
@api(response=RecoCardsOut)
async def api_similar(request: web.Request) -> web.Response:
    """More like this: titles similar in metadata and in who watched them."""
    title_id = await _visible_title(request)
    found = await service.similar_cards(request.app[db_key], request_profile(request), title_id)
    return json_model(RecoCardsOut(titles=[RecoCardOut.of(c) for c in found]))


@routes.put(r"/api/v1/titles/{title_id:\d+}/not-interested", name="api_reco_dismiss")
@access("profile")
@api(response=RecoNotInterestedOut)
async def api_dismiss(request: web.Request) -> web.Response:
    """Not interested: never recommend this title to this profile again."""
    title_id = await _visible_title(request)
    await store.set_not_interested(request.app[db_key], request_profile(request).id, title_id, True)
    return json_model(RecoNotInterestedOut(title_id=title_id, not_interested=True))


@routes.delete(r"/api/v1/titles/{title_id:\d+}/not-interested", name="api_reco_undismiss")
@access("profile")
@api(response=RecoNotInterestedOut)
async def api_undismiss(request: web.Request) -> web.Response:
    """Take back Not interested."""
    title_id = await _visible_title(request)
    await store.set_not_interested(
        request.app[db_key], request_profile(request).id, title_id, False
    )
    return json_model(RecoNotInterestedOut(title_id=title_id, not_interested=False))


@routes.get("/api/v1/recommendations/not-interested", name="api_reco_dismissed")
@access("profile")
@api(response=RecoNotInterestedListOut)
async def api_dismissed(request: web.Request) -> web.Response:
    """The titles this profile said it is not interested in."""
    found = await store.not_interested(request.app[db_key], request_profile(request).id)
    return json_model(RecoNotInterestedListOut(title_ids=found))


@routes.post("/api/v1/recommendations/onboarding", name="api_reco_onboarding")
@access("profile")
@api(body=RecoOnboardingBody, response=RecoOnboardingOut)
async def api_onboarding(request: web.Request) -> web.Response:
    """Onboarding: titles this profile likes; its own picks follow the training run queued."""
    body = parse_model(RecoOnboardingBody, await read_json(request))
    kept, queued = await onboarding.pick(request.app, request_profile(request), body.title_ids)
    return json_model(RecoOnboardingOut(kept=kept, job_id=queued.job_id))


@routes.get("/api/v1/admin/recommendations", name="api_reco_admin")
@access("admin")
@api(response=RecoRunOut)
async def api_last_run(request: web.Request) -> web.Response:
    """The last training run: when, on how much, how long it took."""
    run = await store.last_run(request.app[db_key])
    if run is None:
        return json_model(
            RecoRunOut(finished_at=None, profiles=0, titles=0, interactions=0, seconds=0)
        )
    return json_model(RecoRunOut.model_validate(run, from_attributes=True))


@routes.post("/api/v1/admin/recommendations/train", name="api_reco_train")
@access("admin")
@api(response=RecoTrainOut)
async def api_train(request: web.Request) -> web.Response:
    """Retrain now: queue a training run (unless one is already waiting)."""
    queued = await training.queue_training(request.app)
    await audit_request(request, "recommendations.train", "recommendation model")
    return json_model(
        RecoTrainOut(job_id=queued.job_id, status=queued.status, merged=queued.merged)
    )
