"""Player reactions through the app: the strip counts known reactions in the right buckets,
repeats in one second count once, a flood gets 429 with Retry-After, a kids profile gets 404
for an adult title, and only the fixed emoji set is taken."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_files
from mediaserver.db.social_reactions_schema import reactions
from mediaserver.keys import config_key, db_key
from tests.helpers import pick_profile
from tests.watchparty.conftest import Browser, Party, party  # noqa: F401  (fixture)

THUMBS, FIRE = "👍", "🔥"


async def _runtime(p: Party, file_id: int, seconds: float) -> None:
    async with p.alice.client.app[db_key].write() as conn:
        await conn.execute(
            media_files.update().where(media_files.c.id == file_id)
            .values(duration_seconds=seconds)
        )  # fmt: skip


async def react(who: Browser, file_id: int, position: float, emoji: str = THUMBS) -> dict:
    resp = await who.api("POST", f"/api/v1/media/{file_id}/reactions",
                         {"position": position, "emoji": emoji})  # fmt: skip
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def strip(who: Browser, file_id: int) -> dict:
    resp = await who.client.get(f"/api/v1/media/{file_id}/reactions/strip")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_the_strip_counts_reactions_where_they_were_sent(party: Party) -> None:  # noqa: F811
    await _runtime(party, party.movie, 200.0)  # 100 buckets of 2 s
    for position in (10.2, 10.9, 11.5):
        await react(party.alice, party.movie, position)
    await react(party.alice, party.movie, 10.5, FIRE)
    await react(party.bob, party.movie, 10.0)
    await react(party.bob, party.movie, 150.0)
    await react(party.bob, party.movie, 199.9)
    body = await strip(party.bob, party.movie)
    assert body["bucket_seconds"] == 2.0
    assert body["duration"] == 200.0
    counts = body["counts"]
    assert len(counts) == len(body["buckets"]) == 100
    # alice's 10.2 and 10.9 are one second (10): counted once; 11.5 is second 11.
    assert counts[5] == 4  # alice 10 👍, alice 11 👍, alice 10 🔥, bob 10 👍
    assert counts[75] == 1 and counts[99] == 1
    assert sum(counts) == body["total"] == 6
    assert body["buckets"][5] == 1.0  # the highest hill, scaled to 1
    assert body["buckets"][4] > 0 and body["buckets"][40] == 0
    assert THUMBS in body["emojis"]


async def test_a_repeat_in_the_same_second_counts_once(party: Party) -> None:  # noqa: F811
    first = await react(party.alice, party.movie, 42.1)
    again = await react(party.alice, party.movie, 42.8)
    assert first["counted"] is True and again["counted"] is False
    async with party.alice.client.app[db_key].read() as conn:
        stored = (await conn.execute(sa.select(sa.func.count()).select_from(reactions))).scalar()
    assert stored == 1


async def test_a_flood_of_reactions_gets_429_with_retry_after(party: Party) -> None:  # noqa: F811
    party.alice.client.app[config_key].social.reactions_per_minute = 3
    for second in range(3):
        await react(party.bob, party.movie, float(second))
    resp = await party.bob.api("POST", f"/api/v1/media/{party.movie}/reactions",
                               {"position": 9.0, "emoji": THUMBS})  # fmt: skip
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "3 reactions a minute" in (await resp.json())["detail"]
    assert (await strip(party.bob, party.movie))["total"] == 3
    # Others are not held back by bob's flood.
    await react(party.alice, party.movie, 9.0)


async def test_a_kids_profile_gets_404_for_an_adult_title(party: Party) -> None:  # noqa: F811
    await react(party.alice, party.movie, 5.0)
    await pick_profile(party.bob.client, party.bob_kids_id)
    assert (
        await party.bob.client.get(f"/api/v1/media/{party.movie}/reactions/strip")
    ).status == 404
    resp = await party.bob.api("POST", f"/api/v1/media/{party.movie}/reactions",
                               {"position": 5.0, "emoji": THUMBS})  # fmt: skip
    assert resp.status == 404
    assert (await party.bob.client.get(f"/api/v1/media/{party.movie}/moments")).status == 404
    # A cartoon is fine for the kids profile.
    assert (
        await party.bob.client.get(f"/api/v1/media/{party.cartoon}/reactions/strip")
    ).status == 200
    assert (await strip(party.alice, party.movie))["total"] == 1


async def test_only_the_fixed_emoji_set_and_positions_inside_the_title(party: Party) -> None:  # noqa: F811
    await _runtime(party, party.movie, 60.0)
    path = f"/api/v1/media/{party.movie}/reactions"
    for body in (
        {"position": 5.0, "emoji": "<script>"},
        {"position": 5.0, "emoji": "💩"},
        {"position": -1.0, "emoji": THUMBS},
        {"position": 500.0, "emoji": THUMBS},
    ):
        resp = await party.alice.api("POST", path, body)
        assert resp.status in (400, 422), body
    assert (await party.alice.api("POST", path, {"position": "x"})).status == 400
    body = await strip(party.alice, party.movie)
    assert body["total"] == 0 and body["buckets"] == [0.0] * 60  # one bucket a second
    assert (await party.alice.client.get("/api/v1/media/999999/reactions/strip")).status == 404
