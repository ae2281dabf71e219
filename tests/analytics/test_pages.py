"""The analytics pages and their JSON / CSV tables: admins only, filters applied."""

from __future__ import annotations

import csv
import io

import pytest

from mediaserver.analytics import run_rollups
from mediaserver.keys import db_key
from tests.analytics.events import IPHONE, add_play, add_viewers
from tests.catalog.player_helpers import build_catalog
from tests.helpers import setup_admin, setup_with_user, use_session

DAY0 = 1_793_577_600.0  # 2026-11-02 00:00 UTC
RANGE = "from=2026-11-01&to=2026-11-30"


async def _history(client) -> tuple:
    db = client.app[db_key]
    cat = await build_catalog(db)
    (u1, p1), (u2, p2) = await add_viewers(db, 2, DAY0)
    for i in range(3):
        await add_play(
            db,
            user_id=u1,
            profile_id=p1,
            media_file_id=cat.heat,
            started_at=DAY0 + i * 3600,
            watched=95,
            position=95,
            beats_every=10,
        )
    await add_play(
        db,
        user_id=u2,
        profile_id=p2,
        media_file_id=cat.paddington,
        client=IPHONE,
        method="transcode",
        started_at=DAY0 + 86400,
        watched=80,
        position=80,
        beats_every=10,
    )
    for ep in cat.episodes:  # three episodes in a row: a binge
        await add_play(db, user_id=u2, profile_id=p2, media_file_id=ep,
                       started_at=DAY0 + 2 * 86400 + cat.episodes.index(ep) * 3600, watched=60,
                       position=60)  # fmt: skip
    await run_rollups(client.app)
    return cat, (u1, p1), (u2, p2)


async def test_tables_as_json_and_csv_with_filters(client) -> None:
    await setup_admin(client)
    cat, (u1, _p1), (u2, _p2) = await _history(client)
    resp = await client.get(f"/api/v1/admin/analytics/top_movies?{RANGE}")
    assert resp.status == 200, await resp.text()
    rows = (await resp.json())["rows"]
    assert [(r["title"], r["plays"], r["completion"]) for r in rows] == [
        ("Heat", 3, 100.0),
        ("Paddington", 1, 0.0),
    ]
    # Filters: a user, a device, a method.
    rows = (
        await (await client.get(f"/api/v1/admin/analytics/top_movies?{RANGE}&user={u2}")).json()
    )["rows"]
    assert [r["title"] for r in rows] == ["Paddington"]
    rows = (
        await (
            await client.get(f"/api/v1/admin/analytics/top_movies?{RANGE}&device=desktop")
        ).json()
    )["rows"]
    assert [r["title"] for r in rows] == ["Heat"]
    over = (
        await (
            await client.get(f"/api/v1/admin/analytics/over_time?{RANGE}&method=transcode")
        ).json()
    )["rows"]
    assert [(r["day"], r["plays"]) for r in over if r["plays"]] == [("2026-11-03", 1)]
    binges = (await (await client.get(f"/api/v1/admin/analytics/binges?{RANGE}")).json())["rows"]
    assert [(b["series"], b["episodes"]) for b in binges] == [("The Show", 3)]
    resp = await client.get(f"/api/v1/admin/analytics/qoe_method?{RANGE}&format=csv")
    assert resp.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(await resp.text())))
    assert table[0][0] == "Method" and {r[0] for r in table[1:]} == {"ladder", "transcode"}
    curve = (
        await (
            await client.get(f"/api/v1/admin/analytics/retention?{RANGE}&file={cat.paddington}")
        ).json()
    )["rows"]
    assert curve[40]["share"] == 100.0 and curve[41]["share"] == 0.0


@pytest.mark.parametrize(
    "path",
    ["/api/v1/admin/analytics/over_time?to=nope", "/api/v1/admin/analytics/over_time?device=fridge",
     "/api/v1/admin/analytics/retention"],
)  # fmt: skip
async def test_bad_filters_get_400(client, path) -> None:
    await setup_admin(client)
    resp = await client.get(path)
    assert resp.status == 400, await resp.text()


async def test_pages_render_with_charts_and_tables(client) -> None:
    await setup_admin(client)
    cat, *_ = await _history(client)
    for page, expect in (
        ("/admin/analytics", "Top movies"),
        (f"/admin/analytics/retention?file={cat.paddington}", 'data-dropoffs="40"'),
        ("/admin/analytics/quality", "Rungs never played"),
        ("/admin/analytics/history", "Heat"),
    ):
        resp = await client.get(f"{page}{'&' if '?' in page else '?'}{RANGE}")
        assert resp.status == 200, page
        html = await resp.text()
        assert expect in html, page
        assert "<svg" in html or page.endswith("history"), page


async def test_only_admins_see_analytics(client) -> None:
    admin_session, user_session, _ = await setup_with_user(client)
    use_session(client, user_session)
    for path in (
        "/admin/analytics",
        "/admin/analytics/retention",
        "/api/v1/admin/analytics/history",
    ):
        resp = await client.get(path)  # signed in, not an admin: refused, no figures
        assert resp.status == 403, path
        assert "Top movies" not in await resp.text()
