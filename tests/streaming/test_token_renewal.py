"""The player renews its short-lived media token as it plays: POST /api/v1/playback/<id>/renew
swaps the token of a play for a fresh one (same play, checked again), which the player puts in
the URLs it already has; refused renewals say why."""

from __future__ import annotations

import time

import pytest

from mediaserver.db.rights import bump
from mediaserver.keys import config_key, db_key
from mediaserver.library.scan import store
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.rights import rights_key
from tests.helpers import csrf_from
from tests.streaming.helpers import (
    SEGMENT,
    add_probed_file,
    media_token,
    play,
    publish_ladder,
    set_file,
)

SEG = "video/360p/seg_00001.m4s"


def token_of(url: str) -> str:
    return url.split("/")[3]


def with_token(url: str, token: str) -> str:
    parts = url.split("/")
    parts[3] = token
    return "/".join(parts)


@pytest.fixture
async def playing(sclient, place, media_dir):
    """A packaged title the signed-in admin is playing: its playback answer."""
    file_id = await add_probed_file(sclient.server.app[db_key], media_dir, place("mkv", "L.mkv"))
    await publish_ladder(sclient, file_id)
    return await play(sclient, file_id)


async def renew(client, file_id: int, body: dict, expect: int = 200) -> dict:
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(
        f"/api/v1/playback/{file_id}/renew", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == expect, await resp.text()
    return await resp.json()


async def test_a_renewed_token_plays_on_in_the_same_urls(sclient, playing):
    file_id = playing["media_file_id"]
    # The play's token, a minute before it runs out.
    old = media_token(
        sclient.server.app,
        file_id,
        play_id=playing["play_id"],
        ttl_seconds=1800,
        now=time.time() - 1740,
    )
    renewed = await renew(sclient, file_id, {"token": old})
    assert renewed["play_id"] == playing["play_id"]
    assert renewed["token"] != old and renewed["expires_at"] >= time.time() + 1700
    # The player swaps the token into the URLs it has: the same files are served.
    segment = with_token(playing["url"], renewed["token"]).removesuffix("master.m3u8") + SEG
    resp = await sclient.get(segment)
    assert resp.status == 200 and await resp.read() == SEGMENT
    # The play is still the one play the admin sees and can stop.
    registry = sclient.server.app[active_streams_key]
    assert [e.play_id for e in registry.listing()] == [playing["play_id"]]


async def test_a_play_whose_rights_changed_but_still_hold_renews(sclient, playing):
    """A change that refuses every URL of a file (here: its title re-rated) leaves a profile
    that may still watch it one renewal away from playing on."""
    app = sclient.server.app
    old = token_of(playing["url"])
    segment = playing["url"].removesuffix("master.m3u8") + SEG
    async with app[db_key].write() as conn:
        await bump(conn, "file", [playing["media_file_id"]])
    await app[rights_key].refresh(app[db_key])
    assert (await sclient.get(segment)).status == 403
    renewed = await renew(sclient, playing["media_file_id"], {"token": old})
    resp = await sclient.get(with_token(segment, renewed["token"]))
    assert resp.status == 200


async def test_a_device_token_lasts_the_title(sclient, playing):
    """A Chromecast cannot renew: its token covers a two-hour film, within the longest a
    device token may live."""
    app, file_id = sclient.server.app, playing["media_file_id"]
    streaming = app[config_key].streaming
    body = {"token": token_of(playing["url"]), "for_device": True}
    await set_file(app[db_key], file_id, duration_seconds=7200)
    renewed = await renew(sclient, file_id, body)
    assert renewed["expires_at"] >= time.time() + streaming.token_ttl_seconds + 7200 - 5
    await set_file(app[db_key], file_id, duration_seconds=10 * 86400)
    renewed = await renew(sclient, file_id, body)
    assert renewed["expires_at"] <= time.time() + streaming.device_token_ttl_seconds + 5


async def test_renewal_is_refused_when_the_play_may_not_go_on(sclient, playing):
    file_id, old = playing["media_file_id"], token_of(playing["url"])
    app = sclient.server.app
    # Not a token, a forged one, an expired one: 401 (the player starts playback again).
    await renew(sclient, file_id, {"token": "nope"}, expect=401)
    await renew(sclient, file_id, {"token": old[:-3] + "AAA"}, expect=401)
    expired = media_token(app, file_id, now=time.time() - 3600)
    await renew(sclient, file_id, {"token": expired}, expect=401)
    # Another file's token, another profile's: 403.
    await renew(sclient, file_id + 1, {"token": old}, expect=403)
    theirs = media_token(app, file_id, user_id=1, profile_id=999)
    await renew(sclient, file_id, {"token": theirs}, expect=403)
    # A body that is not one: 400 naming the field.
    problem = await renew(sclient, file_id, {"token": old, "ttl": 99999}, expect=400)
    assert "ttl" in str(problem)
    await renew(sclient, file_id, {}, expect=400)
    # The file is gone: 404, as when asking to play it.
    async with app[db_key].write() as conn:
        await store.mark_missing(conn, [file_id], time.time())
    await renew(sclient, file_id, {"token": old}, expect=404)


async def test_a_stopped_play_is_not_renewed(sclient, playing):
    app = sclient.server.app
    assert app[active_streams_key].stop(playing["play_id"])
    await renew(sclient, playing["media_file_id"], {"token": token_of(playing["url"])}, 403)


async def test_tokens_are_short_lived_by_default(sclient, playing):
    """The player renews, so a URL that leaks works for half an hour at most, not hours."""
    assert playing["expires_at"] <= time.time() + 1800 + 5
