"""Training as a job: Retrain now from the admin page or API runs through the durable queue,
its run shows on the admin page, and housekeeping queues one only when the last is old."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.db.recommend_schema import reco_runs
from mediaserver.keys import db_key
from mediaserver.recommend.reco import training
from tests.catalog import conftest as catalog_fixtures
from tests.catalog.conftest import Browse
from tests.helpers import api
from tests.library.test_libraries_admin import wait_jobs

browse = catalog_fixtures.browse  # the catalog's fixture: an admin, a kids profile, a catalog


async def test_retrain_now_runs_as_a_job_and_shows_on_the_admin_page(browse: Browse) -> None:
    b = browse
    heat = await b.cat.movie("Heat", genres=["Crime"], cast=["Al Pacino"], rating="R")
    await b.cat.movie("Serpico", genres=["Crime"], cast=["Al Pacino"], rating="R")
    await b.cat.progress(b.profile_id, heat[1], 600, 600, watched=True)
    assert "Not trained yet" in await (await b.client.get("/admin/recommendations")).text()

    resp = await api(b.client, "POST", "/api/v1/admin/recommendations/train", csrf=b.csrf)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["job_id"] > 0
    await wait_jobs(b.client)
    run = await (await b.client.get("/api/v1/admin/recommendations")).json()
    assert run["finished_at"] is not None and run["profiles"] == 2 and run["titles"] == 2
    page = await (await b.client.get("/admin/recommendations")).text()
    assert "Last trained" in page and "Retrain now" in page
    home = await (await b.client.get("/")).text()
    assert "Top picks for" in home and "Because you watched Heat" in home

    # The form posts too (and is audited like the API call).
    resp = await b.client.post(
        "/admin/recommendations/train", data={"csrf_token": b.csrf}, allow_redirects=False
    )
    assert resp.status == 303 and "queued=" in resp.headers["Location"]
    await wait_jobs(b.client)


async def test_housekeeping_queues_training_only_when_due(browse: Browse) -> None:
    b = browse
    app = b.client.app
    assert await training.retrain_when_due(app) == 0  # nothing to learn from yet
    heat = await b.cat.movie("Heat", genres=["Crime"])
    await b.cat.progress(b.profile_id, heat[1], 100)
    assert await training.retrain_when_due(app) == 1
    await wait_jobs(b.client)
    assert await training.retrain_when_due(app) == 0  # just trained
    async with app[db_key].write() as conn:
        await conn.execute(sa.update(reco_runs).values(finished_at=time.time() - 2 * 86400))
    assert await training.retrain_when_due(app) == 1
    await wait_jobs(b.client)
