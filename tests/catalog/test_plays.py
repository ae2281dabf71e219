"""QoE per play: started by the player, reported at milestones and by sendBeacon on unload."""

from __future__ import annotations

import pytest

from tests.catalog.player_helpers import kids_profile, signed_in_catalog
from tests.helpers import api


async def test_a_play_collects_first_frame_rebuffers_and_rungs(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    resp = await api(
        client, "POST", "/api/v1/plays", {"media_file_id": catalog.heat, "method": "ladder"},
        csrf=csrf,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    play = await resp.json()
    assert play["method"] == "ladder" and play["rebuffer_count"] == 0

    url = f"/api/v1/plays/{play['id']}"
    report = {
        "time_to_first_frame_ms": 640,
        "rebuffer_count": 2,
        "rebuffer_seconds": 1.5,
        "rung_switches": 1,
        "rungs": ["360p", "720p"],
        "seconds_watched": 61,
    }
    resp = await api(client, "PUT", url, report, csrf=csrf)
    assert resp.status == 200, await resp.text()
    # An older beacon arriving late never makes the totals go backwards, nor a second first frame.
    late = {"time_to_first_frame_ms": 9000, "rebuffer_count": 1, "seconds_watched": 30}
    await api(client, "PUT", url, late, csrf=csrf)
    # The unload beacon: a form with the CSRF token in the body, rungs comma-separated.
    resp = await client.post(
        url,
        data={"csrf_token": csrf, "rungs": "720p,1080p", "seconds_watched": "75", "ended": "true"},
    )
    assert resp.status == 200, await resp.text()
    stored = await (await client.get(url)).json()
    assert stored["time_to_first_frame_ms"] == 640
    assert stored["rebuffer_count"] == 2 and stored["rebuffer_seconds"] == 1.5
    assert stored["rungs"] == ["360p", "720p", "1080p"]
    assert stored["seconds_watched"] == 75
    assert stored["ended_at"] is not None


async def test_a_fatal_error_is_kept_as_text(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.heat, "method": "transcode", "fatal_error": "<b>x</b>" * 200}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    assert play["fatal_error"].startswith("<b>x</b>") and len(play["fatal_error"]) == 500


@pytest.mark.parametrize(
    "body",
    [
        {"method": "ladder"},
        {"media_file_id": "x", "method": "ladder"},
        {"media_file_id": 1, "method": "ffmpeg -i"},
        {"media_file_id": 1, "method": "ladder", "rebuffer_count": -1},
        {"media_file_id": 1, "method": "ladder", "time_to_first_frame_ms": "fast"},
        {"media_file_id": 1, "method": "ladder", "rungs": "a" * 40},
        {"media_file_id": 1, "method": "ladder", "rungs": [1, 2]},
    ],
)
async def test_bad_reports_get_400(client, body) -> None:
    catalog, csrf = await signed_in_catalog(client)
    if body.get("media_file_id") == 1:
        body = body | {"media_file_id": catalog.heat}
    resp = await api(client, "POST", "/api/v1/plays", body, csrf=csrf)
    assert resp.status == 400, await resp.text()


async def test_plays_belong_to_their_profile(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.paddington, "method": "direct"}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    await kids_profile(client, csrf)
    resp = await api(client, "PUT", f"/api/v1/plays/{play['id']}", {"rebuffer_count": 9}, csrf=csrf)
    assert resp.status == 404
    # Nor can a kids profile start a play of an R-rated film.
    body = {"media_file_id": catalog.heat, "method": "direct"}
    assert (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).status == 404
