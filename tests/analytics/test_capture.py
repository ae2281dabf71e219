"""Players' position reports become raw heartbeats, and the play keeps its latest position."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.catalog import flush_heartbeats
from mediaserver.db.analytics_schema import play_heartbeats
from mediaserver.db.viewer_schema import plays
from mediaserver.keys import db_key
from tests.catalog.player_helpers import kids_profile, signed_in_catalog
from tests.helpers import api


async def _heartbeats(client, play_id: int) -> list[tuple[float, bool]]:
    await flush_heartbeats(client.app)
    async with client.app[db_key].read() as conn:
        rows = await conn.execute(
            sa.select(play_heartbeats.c.position_seconds, play_heartbeats.c.paused)
            .where(play_heartbeats.c.play_id == play_id)
            .order_by(play_heartbeats.c.id)
        )
        return [(r.position_seconds, r.paused) for r in rows]


async def _play_state(client, play_id: int) -> tuple[float | None, bool]:
    async with client.app[db_key].read() as conn:
        row = (
            await conn.execute(
                sa.select(plays.c.position_seconds, plays.c.paused).where(plays.c.id == play_id)
            )
        ).one()
    return row.position_seconds, row.paused


async def test_progress_saves_and_play_reports_are_heartbeats(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.paddington, "method": "ladder"}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    progress_url = f"/api/v1/progress/{catalog.paddington}"

    resp = await api(
        client, "PUT", progress_url, {"position": 10, "play_id": play["id"], "paused": False},
        csrf=csrf,
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    # A bare heartbeat through the play report, then the unload beacon (a form) while paused.
    resp = await api(client, "PUT", f"/api/v1/plays/{play['id']}", {"position": 20}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    resp = await client.post(
        progress_url,
        data={"csrf_token": csrf, "position": "25.5", "paused": "true", "play_id": play["id"]},
    )
    assert resp.status == 200, await resp.text()
    # Without its play id, a save counts for the profile's open play of the file.
    resp = await api(client, "PUT", progress_url, {"position": 30, "paused": True}, csrf=csrf)
    assert resp.status == 200, await resp.text()

    assert await _heartbeats(client, play["id"]) == [
        (10.0, False),
        (20.0, False),
        (25.5, True),
        (30.0, True),
    ]
    assert await _play_state(client, play["id"]) == (30.0, True)


async def test_heartbeats_of_another_profiles_play_are_refused(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.paddington, "method": "direct"}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    await kids_profile(client, csrf)
    resp = await api(client, "PUT", f"/api/v1/plays/{play['id']}", {"position": 50}, csrf=csrf)
    assert resp.status == 404
    resp = await api(
        client, "PUT", f"/api/v1/progress/{catalog.paddington}",
        {"position": 50, "play_id": play["id"]}, csrf=csrf,
    )  # fmt: skip
    assert resp.status == 404
    assert await _heartbeats(client, play["id"]) == []
    assert await _play_state(client, play["id"]) == (None, False)


async def test_a_bad_paused_flag_is_a_400(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.paddington, "method": "direct"}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    resp = await api(
        client, "PUT", f"/api/v1/plays/{play['id']}", {"position": 5, "paused": "maybe"}, csrf=csrf
    )
    assert resp.status == 400


async def test_a_bare_heartbeat_answers_the_plays_latest_totals(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    body = {"media_file_id": catalog.paddington, "method": "ladder"}
    play = await (await api(client, "POST", "/api/v1/plays", body, csrf=csrf)).json()
    url = f"/api/v1/plays/{play['id']}"
    first = await (await api(client, "PUT", url, {"position": 5}, csrf=csrf)).json()
    assert first["seconds_watched"] == 0
    report = {"seconds_watched": 42, "rungs": ["720p"], "position": 40}
    await api(client, "PUT", url, report, csrf=csrf)
    # Answered without a read: the totals the last report left, not those of the first answer.
    beat = await (await api(client, "PUT", url, {"position": 50}, csrf=csrf)).json()
    assert beat["seconds_watched"] == 42 and beat["rungs"] == ["720p"]
    assert beat["updated_at"] >= first["updated_at"]
    assert await _heartbeats(client, play["id"]) == [(5.0, False), (40.0, False), (50.0, False)]
