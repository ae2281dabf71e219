"""Watch History: newest first, remove entries (this profile's only), the JSON mirror."""

from __future__ import annotations

import re

from tests.catalog.conftest import Browse
from tests.catalog.test_rows import row_titles
from tests.helpers import api


async def test_history_newest_first_and_remove(browse: Browse) -> None:
    b = browse
    _, heat = await b.cat.movie("Heat")
    _, ronin = await b.cat.movie("Ronin")
    _, eps = await b.cat.series("Lost", season_count=1, per_season=2)
    await b.cat.progress(b.profile_id, heat, 60, at=100)
    await b.cat.progress(b.profile_id, eps[(1, 1)], 1200, 1200, watched=True, at=200)
    await b.cat.progress(b.profile_id, ronin, 30, at=300)
    page = await (await b.client.get("/history")).text()
    names = re.findall(r'class="history-name" href="[^"]+">([^<]+)<', page)
    assert names == ["Ronin", "Lost", "Heat"]
    assert "S1:E1 · Episode 1x1 of Lost" in page and "Stopped at 1:00" in page

    resp = await b.client.post(
        f"/history/{heat}/remove", headers={"X-CSRF-Token": b.csrf, "HX-Request": "true"}
    )
    assert resp.status == 200 and await resp.text() == ""  # HTMX removes the entry in place
    data = await (await b.client.get("/api/v1/history")).json()
    assert [e["title"] for e in data["entries"]] == ["Ronin", "Lost"]
    # Removed from history means gone from Continue Watching too.
    home = await (await b.client.get("/")).text()
    assert row_titles(home, "continue") == ["Ronin", "Lost"]  # Lost: Next Up S1:E2

    resp = await api(b.client, "DELETE", f"/api/v1/history/{ronin}", csrf=b.csrf)
    assert resp.status == 204
    resp = await api(b.client, "DELETE", f"/api/v1/history/{ronin}", csrf=b.csrf)
    assert resp.status == 404


async def test_history_is_per_profile(browse: Browse) -> None:
    b = browse
    _, pad = await b.cat.movie("Paddington", rating="PG")
    await b.cat.progress(b.profile_id, pad, 60)
    await b.use(b.kids_id)
    assert "Nothing here yet" in await (await b.client.get("/history")).text()
    # Another profile's entry cannot be removed by its id.
    resp = await api(b.client, "DELETE", f"/api/v1/history/{pad}", csrf=b.csrf)
    assert resp.status == 404
    resp = await api(b.client, "DELETE", "/api/v1/history", csrf=b.csrf)
    assert (await resp.json())["removed"] == 0
    await b.use(b.profile_id)
    data = await (await b.client.get("/api/v1/history")).json()
    assert [e["title"] for e in data["entries"]] == ["Paddington"]


async def test_bad_history_paging_value(browse: Browse) -> None:
    resp = await browse.client.get("/api/v1/history?before=soon")
    assert resp.status == 400
