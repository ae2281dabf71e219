"""Recommendations as a profile sees them: home rows with why each card is there, More like
this for a title nobody played, kids cap and library access applied before ranking (and at
serving, profile after profile), Not interested, and a new profile's start (popular within its
cap, onboarding)."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa

from mediaserver.accounts import get_profile
from mediaserver.db.catalog_schema import libraries, titles
from mediaserver.db.limits_schema import user_library_access, user_limits
from mediaserver.db.schema import profiles
from mediaserver.keys import db_key
from mediaserver.recommend.reco import service, training
from tests.catalog import conftest as catalog_fixtures
from tests.catalog.conftest import Browse
from tests.helpers import api, create_user

browse = catalog_fixtures.browse  # the catalog's fixture: an admin, a kids profile, a catalog


def row_titles(html: str, key: str) -> list[str]:
    match = re.search(rf'id="row-{key}".*?</section>', html, re.S)
    assert match, f"no row {key}"
    return re.findall(r'<span class="tc-name">([^<]*)</span>', match.group(0))


async def seed(b: Browse) -> dict[str, tuple[int, int]]:
    """Crime films with shared cast, family films, and one adult film the kids may not see."""
    made = {}
    for name, genres, cast, rating in (
        ("Heat", ["Crime"], ["Al Pacino", "Robert De Niro"], "R"),
        ("Serpico", ["Crime", "Drama"], ["Al Pacino"], "R"),
        ("Casino", ["Crime"], ["Robert De Niro"], "R"),
        ("Ronin", ["Crime", "Action"], ["Robert De Niro"], "R"),
        ("Paddington", ["Family"], ["Ben Whishaw"], "PG"),
        ("Paddington 2", ["Family"], ["Ben Whishaw"], "PG"),
        ("Babe", ["Family"], ["James Cromwell"], "G"),
    ):
        made[name] = await b.cat.movie(name, genres=genres, cast=cast, rating=rating, year=1995)
    return made


async def test_top_picks_because_and_more_like_this(browse: Browse) -> None:
    b = browse
    made = await seed(b)
    await b.cat.progress(b.profile_id, made["Heat"][1], 600, 600, watched=True, at=1000)
    await b.cat.progress(b.profile_id, made["Serpico"][1], 300, 600, at=2000)
    await training.train(b.client.app)

    home = await (await b.client.get("/")).text()
    picks = row_titles(home, "reco-top")
    assert picks and "Heat" not in picks and "Serpico" not in picks  # started titles drop out
    assert set(picks[:2]) == {"Casino", "Ronin"}  # shared cast and genre first
    assert "Because you watched" in home
    body = await (await b.client.get("/api/v1/recommendations")).json()
    top = next(r for r in body["rows"] if r["key"] == "reco-top")
    assert top["heading"].startswith("Top picks for")
    assert body["personal"] is True

    # Babe was never played: its similar titles come from metadata alone.
    babe = made["Babe"][0]
    similar = await (await b.client.get(f"/titles/{babe}/similar")).text()
    assert row_titles(similar, "similar")[:2] in (["Paddington", "Paddington 2"],
                                                   ["Paddington 2", "Paddington"])  # fmt: skip
    page = await (await b.client.get(f"/titles/{babe}")).text()
    assert f'hx-get="/titles/{babe}/similar"' in page
    data = await (await b.client.get(f"/api/v1/titles/{made['Heat'][0]}/similar")).json()
    assert {t["title"] for t in data["titles"][:3]} >= {"Casino", "Ronin"}
    # The player's post-play offer after Heat: similar titles not started (Serpico was).
    after = await (await b.client.get(f"/api/v1/watch-next/{made['Heat'][1]}")).json()
    offered = [t["title"] for t in after["titles"]]
    assert set(offered[:2]) == {"Casino", "Ronin"}


async def test_kids_cap_before_ranking_and_not_interested(browse: Browse) -> None:
    b = browse
    made = await seed(b)
    await b.cat.progress(b.kids_id, made["Paddington"][1], 600, 600, watched=True, at=1000)
    await b.cat.progress(b.profile_id, made["Heat"][1], 600, 600, watched=True, at=1000)
    await training.train(b.client.app)
    await b.use(b.kids_id)
    body = await (await b.client.get("/api/v1/recommendations")).json()
    shown = {t["title"] for r in body["rows"] for t in r["titles"]}
    assert shown and shown <= {"Paddington", "Paddington 2", "Babe"}
    heat = made["Heat"][0]
    assert (await b.client.get(f"/api/v1/titles/{heat}/similar")).status == 404

    await b.use(b.profile_id)
    ronin = made["Ronin"][0]
    resp = await api(b.client, "PUT", f"/api/v1/titles/{ronin}/not-interested", csrf=b.csrf)
    assert resp.status == 200 and (await resp.json())["not_interested"] is True
    body = await (await b.client.get("/api/v1/recommendations")).json()
    assert "Ronin" not in {t["title"] for r in body["rows"] for t in r["titles"]}
    similar = await (await b.client.get(f"/api/v1/titles/{heat}/similar")).json()
    assert "Ronin" not in {t["title"] for t in similar["titles"]}
    # Taken back from the card's form (plain post, no JavaScript): it may come back.
    resp = await b.client.post(
        f"/recommendations/not-interested/{ronin}/off",
        data={"csrf_token": b.csrf, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303
    listed = await (await b.client.get("/api/v1/recommendations/not-interested")).json()
    assert listed["title_ids"] == []


async def test_new_profile_gets_popular_within_cap_then_onboarding(browse: Browse) -> None:
    b = browse
    made = await seed(b)
    for name in ("Heat", "Babe", "Babe"):
        await b.cat.progress(b.profile_id, made[name][1], 600, 600, watched=True)
    await training.train(b.client.app)
    await b.use(b.kids_id)
    home = await (await b.client.get("/")).text()
    assert "Popular here" in home and 'href="/recommendations/start"' in home
    start = await (await b.client.get("/recommendations/start")).text()
    names = re.findall(r'<span class="tc-name">([^<]*)</span>', start)
    assert "Babe" in names and "Heat" not in names  # within the kids cap

    resp = await api(
        b.client, "POST", "/api/v1/recommendations/onboarding",
        {"title_ids": [made["Paddington"][0], made["Heat"][0]]}, csrf=b.csrf,
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["kept"] == 1  # Heat is over the cap: not kept
    await training.train(b.client.app)
    body = await (await b.client.get("/api/v1/recommendations")).json()
    assert body["personal"] is True
    top = next(r for r in body["rows"] if r["key"] == "reco-top")
    assert top["titles"][0]["title"] == "Paddington 2"
    assert top["titles"][0]["note"] == "Because you watched Paddington"


async def test_profiles_served_in_turn_each_see_only_their_own(browse: Browse) -> None:
    """The rows' statements are shared by every profile (its values are parameters): served one
    after another, each profile still gets its own cap, its account's libraries and its own
    picks."""
    b = browse
    made = await seed(b)
    app = b.client.app
    db = app[db_key]
    alice_user = await create_user(b.client, "alice", "alice-password-1")
    now = time.time()
    async with db.write() as conn:
        apart = (
            await conn.execute(
                libraries.insert()
                .values(name="Apart", kind="movies", paths=["/elsewhere"], created_at=now,
                        updated_at=now)
                .returning(libraries.c.id)
            )
        ).scalar_one()  # fmt: skip
        casino_ronin = [made["Casino"][0], made["Ronin"][0]]
        await conn.execute(
            titles.update().where(titles.c.id.in_(casino_ronin)).values(library_id=apart)
        )
        await conn.execute(
            user_limits.insert().values(user_id=alice_user, all_libraries=False, updated_at=now)
        )
        await conn.execute(
            user_library_access.insert().values(user_id=alice_user, library_id=b.cat.library_id)
        )
        alice_id = await conn.scalar(
            sa.select(profiles.c.id).where(profiles.c.user_id == alice_user)
        )
    for pid in (b.profile_id, alice_id):
        await b.cat.progress(pid, made["Heat"][1], 600, 600, watched=True, at=1000)
    await b.cat.progress(b.kids_id, made["Paddington"][1], 600, 600, watched=True, at=1000)
    await training.train(app)
    async with db.read() as conn:
        query = sa.select(profiles.c.user_id).where(profiles.c.id == b.profile_id)
        admin_user = await conn.scalar(query)
    who = {
        "admin": await get_profile(db, admin_user, b.profile_id),
        "kids": await get_profile(db, admin_user, b.kids_id),
        "alice": await get_profile(db, alice_user, alice_id),
    }
    for name in ("admin", "alice", "kids", "admin", "kids", "alice"):
        shown = set()
        for key in service.ROW_KEYS:
            row = await service.load_row(app, who[name], key)
            shown |= {c.title for c in row.cards} if row else set()
        if name == "admin":
            assert {"Casino", "Ronin"} <= shown
        elif name == "alice":
            assert shown and not shown & {"Casino", "Ronin"}  # not in her libraries
        else:
            assert shown and shown <= {"Paddington", "Paddington 2", "Babe"}
