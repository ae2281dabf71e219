"""Packaging asked for twice before it started is one job, not two encodes of the same file."""

from __future__ import annotations

from mediaserver.jobs import queue
from mediaserver.keys import db_key
from tests.catalog.player_helpers import signed_in_catalog
from tests.helpers import api


async def test_package_again_before_it_started_is_the_same_job(make_app, aiohttp_client) -> None:
    # No worker in this instance: the job waits, as behind encodes elsewhere.
    client = await aiohttp_client(make_app(library={"watch": False}, jobs={"concurrency": 0}))
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/media/{catalog.heat}/package"
    first = await (await api(client, "POST", url, {}, csrf=csrf)).json()
    again = await (await api(client, "POST", url, {}, csrf=csrf)).json()
    assert again["job_id"] == first["job_id"]

    # Once it runs, a new request is a new job: the file may have changed since it started.
    db = client.server.app[db_key]
    await queue.lease(db, "worker-elsewhere", ["media.package"], 1, 60)
    later = await (await api(client, "POST", url, {}, csrf=csrf)).json()
    assert later["job_id"] != first["job_id"]
    packaging = [j for j in await queue.list_jobs(db) if j.type == "media.package"]
    assert sorted(j.status for j in packaging) == ["queued", "running"]
