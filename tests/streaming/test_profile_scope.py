"""Every profile-scoped API route acts as the same profile, however the caller names it: a TV app
that names the kids profile in X-Profile-Id, or a browser that chose it, never sees or plays a
title above the kids cap on any route the API document lists as profile-scoped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.keys import db_key
from tests.catalog.seed import Catalog
from tests.helpers import ADMIN, api, csrf_from, pick_profile, setup_admin, sign_in
from tests.streaming.helpers import add_probed_file, publish_ladder, set_file

NAME = "Scarface Uncut"
BLURB = "An adult-only gangster epic."
TOKEN_URL = "/media/t/"
_PARAM = re.compile(r"\{([A-Za-z_]+)\}")
# Path parameters and body fields that name a thing: the adult title, its file, its play, and
# what the grown-up made of it (a room, a clip, a comment, a moment, a review).
NAMING = {
    "title_id", "media_file_id", "play_id", "token",
    "room_id", "slug", "comment_id", "moment_id", "review_id", "title_ids",
}  # fmt: skip


@dataclass
class Household:
    client: TestClient
    key: str
    adult_id: int
    kids_id: int
    values: dict[str, Any]  # path parameters and body fields, naming the adult title

    def bearer(self, profile_id: int | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"}
        if profile_id is not None:
            headers["X-Profile-Id"] = str(profile_id)
        return headers


@pytest.fixture
async def household(make_app, aiohttp_client, place, media_dir) -> Household:
    """The first-run admin with a grown-up profile and a kids profile (PG), an API key, and an
    R-rated movie with a real, playable file and a published ladder, which the grown-up has in
    My List, has started, and plays; the kid's progress on it was saved before the cap."""
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    csrf = await csrf_from(client, "/profiles")
    me = await (await client.get("/api/v1/me")).json()
    adult = (await (await client.get("/api/v1/profiles")).json())["profiles"][0]["id"]
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    kids = (await (await api(client, "POST", "/api/v1/profiles", kid, csrf=csrf)).json())["id"]
    body = {"name": "tv", "user_id": me["user"]["id"]}
    key = (await (await api(client, "POST", "/api/v1/api-keys", body, csrf=csrf)).json())["key"]
    client.session.cookie_jar.clear()

    db = client.app[db_key]
    cat = Catalog(db)
    title_id, _ = await cat.movie(NAME, rating="R", description=BLURB, poster="scarface.jpg")
    file_id = await add_probed_file(db, media_dir, place("mp4", "Scarface.mp4"))
    await set_file(db, file_id, title_id=title_id, status="ok")
    await publish_ladder(client, file_id)
    await cat.progress(kids, file_id, 100)
    h = Household(client, key, adult, kids, {})
    grown_up = h.bearer(adult)
    assert (await client.put(f"/api/v1/my-list/{title_id}", headers=grown_up)).status == 200
    resp = await client.put(f"/api/v1/progress/{file_id}", json={"position": 5}, headers=grown_up)
    assert resp.status == 200, await resp.text()
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers=grown_up)
    assert resp.status == 200, await resp.text()
    token = (await resp.json())["url"].split("/")[3]
    play = {"media_file_id": file_id, "method": "direct"}
    resp = await client.post("/api/v1/plays", json=play, headers=grown_up)
    assert resp.status == 201, await resp.text()
    h.values = {
        "title_id": title_id,
        "media_file_id": file_id,
        "play_id": (await resp.json())["id"],
        "token": token,  # the grown-up's media token, which a kid must not renew
        "season": 1,
        "method": "direct",
        "position": 10,
        "duration": 60,
        # Body fields of the social and watch-together routes.
        "start": 0, "end": 0.5, "name": "a clip", "visibility": "users", "control": "host",
        "text": "hello", "value": 4, "spoiler": False, "emoji": "👍", "reason": "spam",
        "public": False, "hours": 1, "single_use": False, "user_ids": [me["user"]["id"]],
        "profile_id": kids,  # the kid's own profile page
        "image_id": 1, "view_id": "v" * 16, "ids": [1], "download_id": 1, "items": [],
        "title_ids": [title_id],
    }  # fmt: skip
    h.values |= await _grown_up_social(client, grown_up, title_id, file_id)
    return h


async def _grown_up_social(
    client: TestClient, grown_up: dict[str, str], title_id: int, file_id: int
) -> dict[str, Any]:
    """What the grown-up makes of the adult title: a room, a clip, a comment, a moment, a
    rating and review; the ids a kid must not reach."""

    async def made(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await client.request(method, path, json=body, headers=grown_up)
        assert resp.status in (200, 201, 202), (path, await resp.text())
        return await resp.json()

    room = await made("POST", "/api/v1/rooms", {"media_file_id": file_id})
    clip = await made(
        "POST", "/api/v1/clips", {"media_file_id": file_id, "start": 0, "end": 0.5, "name": "c"}
    )
    comment = await made("POST", f"/api/v1/titles/{title_id}/comments", {"text": "at 0:01"})
    moment = await made(
        "POST", f"/api/v1/media/{file_id}/moments", {"position": 0.5, "text": "here"}
    )
    await made("PUT", f"/api/v1/titles/{title_id}/rating", {"value": 4.5})
    review = await made("PUT", f"/api/v1/titles/{title_id}/review", {"text": "Grim."})
    return {
        "room_id": room["room"]["id"],
        "slug": clip["id"],
        "comment_id": comment["comment"]["id"],
        "moment_id": moment["id"],
        "review_id": review["review"]["id"],
    }


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None
    names_the_title: bool


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


async def profile_calls(client: TestClient, values: dict[str, Any]) -> list[Call]:
    """Every operation the API document marks profile-scoped, its path parameters and body
    fields filled with `values` (so each one that names a thing names the adult title's)."""
    document = await (await client.get("/api/v1/openapi.json")).json()
    calls = []
    for path, operations in document["paths"].items():
        if path.endswith("/ws"):
            continue  # a WebSocket, not a request; tests/watchparty/test_ws_abuse.py covers it
        for method, operation in operations.items():
            if operation["x-access"] != "profile":
                continue
            names = set(_PARAM.findall(path))
            body = None
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                fields = _schema(document, schema).get("properties", {})
                body = {k: v for k, v in values.items() if k in fields}
                names |= set(body)
            filled = _PARAM.sub(lambda m: str(values[m.group(1)]), path)
            calls.append(Call(method.upper(), filled, body, bool(names & NAMING)))
    # Deletions last, so the lists are read while they still hold what was seeded.
    calls.sort(key=lambda c: c.method == "DELETE")
    assert len(calls) >= 20 and any(c.path.startswith("/api/v1/playback/") for c in calls)
    return calls


async def _walk_as_the_kid(client: TestClient, values: dict[str, Any], headers: dict[str, str]):
    for call in await profile_calls(client, values):
        resp = await client.request(call.method, call.path, json=call.body, headers=headers)
        text = await resp.text()
        where = (call.method, call.path, resp.status, text[:300])
        assert NAME not in text and BLURB not in text and TOKEN_URL not in text, where
        if call.method == "DELETE":
            assert resp.status in (200, 204, 404), where  # removing what is not there
        elif call.names_the_title:
            assert resp.status in (403, 404), where
        else:
            assert resp.status in (200, 204), where


async def test_kids_profile_named_by_header_never_sees_or_plays_an_adult_title(
    household: Household,
) -> None:
    h = household
    await _walk_as_the_kid(h.client, h.values, h.bearer(h.kids_id))


async def test_kids_profile_chosen_in_the_browser_never_sees_or_plays_an_adult_title(
    household: Household,
) -> None:
    h, client = household, household.client
    await sign_in(client, *ADMIN)
    await pick_profile(client, h.kids_id)
    csrf = await csrf_from(client, "/profiles")
    await _walk_as_the_kid(client, h.values, {"X-CSRF-Token": csrf})


async def test_the_grown_up_profile_sees_and_plays_it(household: Household) -> None:
    """The same calls as the grown-up profile reveal the title: the walk above is not vacuous."""
    h, client = household, household.client
    grown_up = h.bearer(h.adult_id)
    file_id, title_id = h.values["media_file_id"], h.values["title_id"]
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers=grown_up)
    assert resp.status == 200 and TOKEN_URL in (await resp.json())["url"]
    resp = await client.get(f"/api/v1/catalog/titles/{title_id}", headers=grown_up)
    assert resp.status == 200 and NAME in await resp.text()
    assert (await client.get(f"/api/v1/media/{file_id}/ladder", headers=grown_up)).status == 200
    assert NAME in await (await client.get("/api/v1/my-list", headers=grown_up)).text()


async def test_the_profile_comes_from_one_place(household: Household) -> None:
    """An API key must name its profile to play; a browser cannot switch profile by header
    (that would skip the profile's PIN); another account's profile is not found."""
    h, client = household, household.client
    file_id = h.values["media_file_id"]
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers=h.bearer(None))
    assert resp.status == 400 and "X-Profile-Id" in (await resp.json())["detail"]
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers=h.bearer(999))
    assert resp.status == 404
    me = await (await client.get("/api/v1/me", headers=h.bearer(h.kids_id))).json()
    assert me["profile"]["id"] == h.kids_id

    await sign_in(client, *ADMIN)
    await pick_profile(client, h.kids_id)
    csrf = {"X-CSRF-Token": await csrf_from(client, "/profiles")}
    resp = await client.post(
        f"/api/v1/playback/{file_id}", json={}, headers=csrf | {"X-Profile-Id": str(h.adult_id)}
    )
    assert resp.status == 400 and "X-Profile-Id" in (await resp.json())["detail"]
    same = csrf | {"X-Profile-Id": str(h.kids_id)}
    assert (await client.post(f"/api/v1/playback/{file_id}", json={}, headers=same)).status == 404
