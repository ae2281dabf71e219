"""A kids profile (capped at PG) never sees an adult or unrated title: rows, search, genre
pages, title pages by URL (404, so existence does not leak), images, the API, My List."""

from __future__ import annotations

from tests.catalog.conftest import Browse
from tests.helpers import api


async def test_kids_profile_sees_only_titles_within_its_rating(browse: Browse) -> None:
    b = browse
    heat, heat_file = await b.cat.movie(
        "Heat", rating="R", genres=["Crime", "Family"], poster="images/heat.jpg"
    )
    unrated, _ = await b.cat.movie("Home Video", genres=["Family"])
    wire, eps = await b.cat.series("The Wire", rating="TV-MA", genres=["Family"])
    pad, pad_file = await b.cat.movie("Paddington", rating="PG", genres=["Family"])
    # The adult profile's activity on adult titles must not show up for the kid either.
    await b.cat.progress(b.kids_id, heat_file, 100)  # as if written before the cap was set
    await b.cat.progress(b.kids_id, pad_file, 100)
    await b.use(b.kids_id)
    hidden = ("Heat", "Home Video", "The Wire")

    home = await (await b.client.get("/")).text()
    assert "Paddington" in home
    rows = [await (await b.client.get(f"/rows/{k}")).text() for k in ("because", "my-list")]
    genre_ids = [g for g in range(1, 5)]
    for gid in genre_ids:
        resp = await b.client.get(f"/rows/genre-{gid}")
        rows.append(await resp.text())
        page = await b.client.get(f"/genres/{gid}")
        rows.append(await page.text() if page.status == 200 else "")
    for text in [home, *rows]:
        for name in hidden:
            assert name not in text

    for q in ("heat", "wire", "video", ""):
        html = await (await b.client.get(f"/search?q={q}&sort=title")).text()
        assert not any(name in html for name in hidden), q
        data = await (await b.client.get(f"/api/v1/search?q={q}&sort=title")).json()
        assert not any(t["title"] in hidden for t in data["titles"]), q
    # The rating filter cannot widen the cap.
    html = await (await b.client.get("/search?rating=R")).text()
    assert "Heat" not in html

    for title_id in (heat, unrated, wire):
        for path in (
            f"/titles/{title_id}",
            f"/api/v1/catalog/titles/{title_id}",
            f"/images/titles/{title_id}/poster",
        ):
            resp = await b.client.get(path)
            assert resp.status == 404, path
    assert (await b.client.get(f"/titles/{wire}/seasons/1")).status == 404
    assert (await b.client.get(f"/titles/{pad}")).status == 200

    resp = await b.client.post(f"/my-list/{heat}/add", headers={"X-CSRF-Token": b.csrf})
    assert resp.status == 404
    resp = await api(b.client, "PUT", f"/api/v1/my-list/{heat}", csrf=b.csrf)
    assert resp.status == 404
    data = await (await b.client.get("/api/v1/home")).json()
    shown = {t["title"] for row in data["rows"] for t in row["titles"]}
    assert shown == {"Paddington"}
    history = await (await b.client.get("/api/v1/history")).json()
    assert [e["title"] for e in history["entries"]] == ["Paddington"]


async def test_api_key_names_its_profile(browse: Browse) -> None:
    """An app with an API key browses as a profile it names; the kids cap applies to it."""
    b = browse
    heat, _ = await b.cat.movie("Heat", rating="R")
    await b.cat.movie("Paddington", rating="PG")
    me = await (await b.client.get("/api/v1/me")).json()
    user_id = me.get("id") or me["user"]["id"]
    resp = await api(
        b.client, "POST", "/api/v1/api-keys", {"name": "tv", "user_id": user_id}, csrf=b.csrf
    )
    assert resp.status == 201, await resp.text()
    key = (await resp.json())["key"]
    b.client.session.cookie_jar.clear()
    auth = {"Authorization": f"Bearer {key}"}
    resp = await b.client.get("/api/v1/my-list", headers=auth)
    assert resp.status == 400 and "X-Profile-Id" in (await resp.json())["detail"]
    kid = auth | {"X-Profile-Id": str(b.kids_id)}
    assert (await b.client.get(f"/api/v1/catalog/titles/{heat}", headers=kid)).status == 404
    data = await (await b.client.get("/api/v1/home", headers=kid)).json()
    assert {t["title"] for r in data["rows"] for t in r["titles"]} == {"Paddington"}
    # A profile of another account is "not found"; no CSRF is needed with a key.
    resp = await b.client.put("/api/v1/my-list/1", headers=auth | {"X-Profile-Id": "999"})
    assert resp.status == 404
    resp = await b.client.put(
        f"/api/v1/my-list/{heat}", headers=auth | {"X-Profile-Id": str(b.profile_id)}
    )
    assert resp.status == 200
