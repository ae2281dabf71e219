"""POST /api/v1/playback/{id}: the decision and its reason, the token-bearing URLs, the menus."""

from __future__ import annotations

import pytest

from mediaserver.keys import db_key
from mediaserver.streaming.decision import live_master_url, parse_live_variant
from mediaserver.streaming.playback_request import MSE_CANDIDATES
from tests.helpers import api, csrf_from, pick_profile
from tests.media.test_deinterlace import make_clip
from tests.packaging.helpers import sign_in_with_profile
from tests.streaming.helpers import add_described_file, add_probed_file, play, publish_ladder

CHROME = {m: True for m in MSE_CANDIDATES if "hvc1" not in m and "ac-3" not in m}
CHROME |= {'video/mp4; codecs="hvc1.1.6.L120.90"': False}
TOKEN = r"/media/t/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\.[0-9a-f]{16}\.[A-Za-z0-9_-]{22}"


def _db(client):
    return client.server.app[db_key]


async def test_mp4_h264_aac_plays_directly_with_range(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mp4", "Movie.mp4"))
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "direct", data["reason"]
    assert data["type"] == "file" and data["mime"] == "video/mp4"
    assert data["url"].endswith(f"/file/{file_id}.mp4")
    assert data["rungs"] == [
        {
            "name": "original",
            "width": 160,
            "height": 120,
            "bandwidth": data["rungs"][0]["bandwidth"],
        }
    ]
    assert data["audio"][0]["language"] == "eng" and data["audio"][0]["default"] is True
    original = (media_dir / "Movie.mp4").read_bytes()
    resp = await sclient.get(data["url"], headers={"Range": "bytes=0-99"})
    assert resp.status == 206 and await resp.read() == original[:100]
    # The same browser without H.264 support (the MSE answer says no): transcode, and why.
    data = await play(sclient, file_id, {"mse": CHROME | {MSE_CANDIDATES[0]: False}})
    assert data["method"] == "transcode" and "H.264" in data["reason"]


async def test_webm_vp8_plays_directly(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("webm", "Clip.webm"))
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "direct" and data["mime"] == "video/webm"


async def test_mkv_h264_is_remuxed_with_audio_and_chapters(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mkv", "Film.mkv"))
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "remux" and "MKV" in data["reason"]
    audio = {a["language"]: a["index"] for a in data["audio"]}
    assert set(audio) == {"eng", "fre"}
    assert data["url"].endswith(f"/live/remux/a{audio['eng']}/master.m3u8")
    assert data["type"] == "hls"
    assert [c["title"] for c in data["chapters"]] == ["Intro", "Main"]
    assert [s["language"] for s in data["subtitles"]] == ["eng", "spa"]
    assert all(s["url"].endswith(".vtt") for s in data["subtitles"])
    # Choosing the second audio track keeps it a remux, on that track.
    data = await play(sclient, file_id, {"mse": CHROME, "audio": audio["fre"]})
    assert data["url"].endswith(f"/live/remux/a{audio['fre']}/master.m3u8")
    resp = await api(
        sclient,
        "POST",
        f"/api/v1/playback/{file_id}",
        {"audio": 99},
        csrf=await csrf_from(sclient, "/profiles"),
    )
    assert resp.status == 400 and "audio" in (await resp.json())["detail"]


@pytest.mark.parametrize(
    ("codec", "profile", "bit_depth", "words"),
    [
        ("hevc", "Main", 8, "HEVC"),  # this browser said no to HEVC
        ("mpeg2video", "Main", 8, "MPEG-2"),
        ("vc1", "Advanced", 8, "VC-1"),
        ("h264", "High 10", 10, "High 10"),  # H.264, but a profile browsers do not decode
    ],
)
async def test_unplayable_video_is_transcoded(sclient, media_dir, codec, profile, bit_depth, words):
    streams = [
        {
            "kind": "video",
            "codec": codec,
            "profile": profile,
            "width": 1920,
            "height": 1080,
            "bit_depth": bit_depth,
        },
        {"kind": "audio", "codec": "aac", "channels": 2, "language": "eng"},
    ]
    file_id = await add_described_file(_db(sclient), media_dir, "Old.mkv", "matroska,webm", streams)
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "transcode", data
    assert words in data["reason"]
    assert data["url"].endswith("/live/transcode/a1/master.m3u8")
    assert [r["name"] for r in data["rungs"]][:2] == ["1080p", "720p"]
    # Capped at 480: the menu offers nothing higher, and the token carries the cap.
    data = await play(sclient, file_id, {"mse": CHROME, "max_height": 480})
    assert max(r["height"] for r in data["rungs"]) <= 480
    assert ".480." in data["url"]


async def test_interlaced_video_is_transcoded_not_remuxed(sclient, media_dir):
    """Browsers show interlaced pictures woven (combing): such a file is transcoded, which
    deinterlaces, even though the browser could play its H.264 as it is."""
    media_dir.mkdir(parents=True, exist_ok=True)
    tv = await add_probed_file(
        _db(sclient), media_dir, make_clip(media_dir / "TV.mkv", interlaced=True, seconds=1)
    )
    data = await play(sclient, tv, {"mse": CHROME})
    assert data["method"] == "transcode" and "interlaced" in data["reason"], data
    film = await add_probed_file(
        _db(sclient), media_dir, make_clip(media_dir / "Film.mkv", interlaced=False, seconds=1)
    )
    assert (await play(sclient, film, {"mse": CHROME}))["method"] == "remux"


async def test_hevc_mp4_plays_directly_where_the_browser_says_yes(sclient, media_dir):
    streams = [
        {"kind": "video", "codec": "hevc", "profile": "Main", "width": 1280, "height": 720},
        {"kind": "audio", "codec": "aac", "channels": 2},
    ]
    file_id = await add_described_file(
        _db(sclient), media_dir, "Phone.mov", "mov,mp4,m4a,3gp,3g2,mj2", streams
    )
    safari = {'video/mp4; codecs="hvc1.1.6.L120.90"': True, 'audio/mp4; codecs="mp4a.40.2"': True}
    data = await play(sclient, file_id, {"mse": safari})
    assert data["method"] == "direct" and data["url"].endswith(f"/file/{file_id}.mov")
    # An iPhone: no MSE at all, native HLS.
    data = await play(sclient, file_id, {"native_hls": True})
    assert data["method"] == "direct"
    # Above the cap, even a playable file is transcoded down.
    data = await play(sclient, file_id, {"mse": safari, "max_height": 480})
    assert data["method"] == "transcode" and "480" in data["reason"]


async def test_audio_only_file(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("m4a", "Song.mp4"))
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "direct" and data["mime"] == "audio/mp4"
    assert data["rungs"] == []
    data = await play(sclient, file_id, {"prefer": "transcode"})
    assert data["method"] == "transcode" and "asked" in data["reason"]


async def test_published_ladder_wins_and_lists_capped_rungs(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mkv", "Packaged.mkv"))
    await publish_ladder(sclient, file_id)
    data = await play(sclient, file_id, {"mse": CHROME})
    assert data["method"] == "ladder" and data["type"] == "hls"
    assert data["url"].endswith("/ladder/master.m3u8")
    assert [r["name"] for r in data["rungs"]] == ["720p", "360p"]
    assert data["trickplay"]["vtt"].endswith("/ladder/trickplay/thumbnails.vtt")
    assert data["trickplay"]["interval"] == 2
    assert data["poster"].endswith("/ladder/posters/poster_1_320.webp")
    assert (await sclient.get(data["poster"])).status == 200
    data = await play(sclient, file_id, {"max_height": 480})
    assert [r["name"] for r in data["rungs"]] == ["360p"]


async def test_bad_bodies_are_400_naming_the_problem(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mp4", "A.mp4"))
    csrf = await csrf_from(sclient, "/profiles")
    cases = [
        ({"codec": "h264"}, "codec"),
        ({"mse": {"video/mp4": "yes"}}, "mse"),
        ({"mse": ["video/mp4"]}, "mse"),
        ({"max_height": -1}, "max_height"),
        ({"max_height": "720"}, "max_height"),
        ({"start": "NaN"}, "start"),
        ({"prefer": "copy"}, "prefer"),
        ({"subtitle_burn": 424242}, "subtitle_burn"),
        ({"native_hls": "yes"}, "native_hls"),
    ]
    for body, word in cases:
        resp = await api(sclient, "POST", f"/api/v1/playback/{file_id}", body, csrf=csrf)
        assert resp.status == 400, body
        assert word in (await resp.json())["detail"], body
    resp = await sclient.post(
        f"/api/v1/playback/{file_id}",
        data=b"{nope",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert resp.status == 400
    # No CSRF header from a browser session: refused.
    resp = await sclient.post(f"/api/v1/playback/{file_id}", json={})
    assert resp.status == 403
    assert (await api(sclient, "POST", "/api/v1/playback/999999", {}, csrf=csrf)).status == 404


async def test_text_subtitles_cannot_be_burned(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mkv", "Subs.mkv"))
    data = await play(sclient, file_id)
    track = data["subtitles"][0]["id"]
    resp = await api(
        sclient,
        "POST",
        f"/api/v1/playback/{file_id}",
        {"subtitle_burn": track},
        csrf=await csrf_from(sclient, "/profiles"),
    )
    assert resp.status == 400 and "player" in (await resp.json())["detail"]


async def test_kids_profile_is_refused_an_unrated_title(sclient, place, media_dir):
    file_id = await add_probed_file(_db(sclient), media_dir, place("mp4", "Adult.mp4"))
    csrf = await csrf_from(sclient, "/profiles")
    resp = await api(
        sclient,
        "POST",
        "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
        csrf=csrf,
    )
    await pick_profile(sclient, (await resp.json())["id"])
    await play(sclient, file_id, expect=404)


def test_live_url_pattern_round_trips():
    assert live_master_url("T", "remux", 1, None) == "/media/t/T/live/remux/a1/master.m3u8"
    assert live_master_url("T", "transcode", 2, 5) == "/media/t/T/live/transcode/a2-s5/master.m3u8"
    assert live_master_url("T", "transcode", None, None).endswith("/an/master.m3u8")
    assert parse_live_variant("a2-s5") == (2, 5)
    assert parse_live_variant("an") == (None, None)
    for bad in ("a", "a-1", "a01", "a1-s", "a1-s5x", "../a1", "a1%2f"):
        assert parse_live_variant(bad) is None, bad
    with pytest.raises(ValueError):
        live_master_url("T", "copy", 1, None)


async def test_the_admins_height_cap_binds_every_token(make_app, aiohttp_client, place, media_dir):
    """streaming.max_height caps every play, whatever the client asks for."""
    client = await aiohttp_client(make_app(streaming={"max_height": 480}))
    await sign_in_with_profile(client)
    file_id = await add_probed_file(_db(client), media_dir, place("mkv", "Capped.mkv"))
    await publish_ladder(client, file_id)
    data = await play(client, file_id, {"mse": CHROME, "max_height": 1080})
    assert [r["name"] for r in data["rungs"]] == ["360p"]
    master = await (await client.get(data["url"])).text()
    assert "RESOLUTION=1280x720" not in master and "RESOLUTION=" in master
