"""Comments typed in the player at a playback time ("moments"): listed in playback order with
name and avatar, kept as typed (invisible controls removed) and never turned into markup,
deleted by their author or an admin only, limited per minute, hidden from a kids profile."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.audit_schema import audit_log
from mediaserver.db.social_reactions_schema import moments
from mediaserver.keys import config_key, db_key
from tests.helpers import pick_profile
from tests.watchparty.conftest import Browser, Party, party  # noqa: F401  (fixture)


async def post(who: Browser, file_id: int, position: float, text: str) -> dict:
    resp = await who.api("POST", f"/api/v1/media/{file_id}/moments",
                         {"position": position, "text": text})  # fmt: skip
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def listed(who: Browser, file_id: int) -> list[dict]:
    resp = await who.client.get(f"/api/v1/media/{file_id}/moments")
    assert resp.status == 200, await resp.text()
    return (await resp.json())["moments"]


async def _count(p: Party) -> int:
    async with p.alice.client.app[db_key].read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(moments))).scalar()


async def test_moments_are_listed_in_playback_order_with_their_author(party: Party) -> None:  # noqa: F811
    await post(party.bob, party.movie, 30.0, "later")
    await post(party.alice, party.movie, 12.5, "earlier")
    found = await listed(party.bob, party.movie)
    assert [(m["position"], m["text"], m["mine"]) for m in found] == [
        (12.5, "earlier", False), (30.0, "later", True)]  # fmt: skip
    assert found[0]["author"] and found[0]["avatar"]


async def test_moment_text_is_kept_as_typed_and_json_carries_it_escaped(party: Party) -> None:  # noqa: F811
    evil = '<img src=x onerror="alert(1)"> \u202eevil\u200b'
    made = await post(party.alice, party.movie, 3.0, evil)
    assert made["text"] == '<img src=x onerror="alert(1)"> evil'
    resp = await party.alice.client.get(f"/api/v1/media/{party.movie}/moments")
    assert resp.content_type == "application/json"
    for bad in ("", "   ", "\u200b\u200b", "x" * 501):
        r = await party.alice.api("POST", f"/api/v1/media/{party.movie}/moments",
                                  {"position": 1.0, "text": bad})  # fmt: skip
        assert r.status == 422, bad
    assert await _count(party) == 1


async def test_only_the_author_or_an_admin_deletes_a_moment(party: Party) -> None:  # noqa: F811
    alices = await post(party.alice, party.movie, 5.0, "mine")
    bobs = await post(party.bob, party.movie, 6.0, "bob's")
    resp = await party.bob.api("DELETE", f"/api/v1/moments/{alices['id']}")
    assert resp.status == 404
    assert await _count(party) == 2
    assert (await party.bob.api("DELETE", f"/api/v1/moments/{bobs['id']}")).status == 204
    again = await post(party.bob, party.movie, 7.0, "again")
    assert (await party.alice.api("DELETE", f"/api/v1/moments/{again['id']}")).status == 204
    assert [m["text"] for m in await listed(party.alice, party.movie)] == ["mine"]
    async with party.alice.client.app[db_key].read() as conn:
        actions = (await conn.execute(sa.select(audit_log.c.action))).scalars().all()
    assert "moment.delete" in actions


async def test_moments_flood_and_kids_profile(party: Party) -> None:  # noqa: F811
    party.alice.client.app[config_key].social.comments_per_minute = 2
    await post(party.bob, party.movie, 1.0, "one")
    await post(party.bob, party.movie, 2.0, "two")
    resp = await party.bob.api("POST", f"/api/v1/media/{party.movie}/moments",
                               {"position": 3.0, "text": "three"})  # fmt: skip
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    await pick_profile(party.bob.client, party.bob_kids_id)
    assert (await party.bob.client.get(f"/api/v1/media/{party.movie}/moments")).status == 404
    resp = await party.bob.api("POST", f"/api/v1/media/{party.movie}/moments",
                               {"position": 3.0, "text": "hi"})  # fmt: skip
    assert resp.status == 404
    assert await _count(party) == 2
