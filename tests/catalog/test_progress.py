"""Resume positions: saved by PUT and by sendBeacon, 95% counts as watched, per profile."""

from __future__ import annotations

import pytest

from tests.catalog.player_helpers import kids_profile, signed_in_catalog
from tests.helpers import api


async def test_position_is_saved_and_offered_for_resume(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/progress/{catalog.heat}"
    assert (await client.get(url)).status == 404  # not started yet

    resp = await api(client, "PUT", url, {"position": 42.5, "duration": 100}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    saved = await resp.json()
    assert saved["position_seconds"] == 42.5
    assert saved["resume_seconds"] == 42.5
    assert saved["watched"] is False
    assert (await (await client.get(url)).json())["position_seconds"] == 42.5

    # The player page starts there without ?t, and at t when given.
    page = await (await client.get(f"/watch/{catalog.heat}")).text()
    assert '"start": 42.5' in page
    page = await (await client.get(f"/watch/{catalog.heat}?t=0")).text()
    assert '"start": 0.0' in page


async def test_sendbeacon_form_with_csrf_field_is_accepted_and_without_it_refused(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/progress/{catalog.heat}"
    resp = await client.post(url, data={"position": "12.5", "duration": "100"})
    assert resp.status == 403  # no token: a cross-site form cannot move anyone's progress
    resp = await client.post(url, data={"position": "12.5", "csrf_token": "forged"})
    assert resp.status == 403
    resp = await client.post(url, data={"position": "12.5", "duration": "100", "csrf_token": csrf})
    assert resp.status == 200, await resp.text()
    assert (await (await client.get(url)).json())["position_seconds"] == 12.5


async def test_95_percent_counts_as_watched_and_stays_watched(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/progress/{catalog.heat}"
    saved = await (await api(client, "PUT", url, {"position": 96}, csrf=csrf)).json()
    assert saved["watched"] is True
    assert saved["resume_seconds"] == 0  # finished: play starts from the beginning
    # Rewatching the start keeps it watched.
    saved = await (await api(client, "PUT", url, {"position": 5}, csrf=csrf)).json()
    assert saved["watched"] is True and saved["resume_seconds"] == 5
    # A position past the end is clamped to the probed duration.
    saved = await (await api(client, "PUT", url, {"position": 500}, csrf=csrf)).json()
    assert saved["position_seconds"] == 100


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "position"),
        ({"position": -1}, "position"),
        ({"position": "soon"}, "position"),
        ({"position": True}, "position"),
        ({"position": 1e12}, "position"),
        ({"position": "NaN"}, "position"),
        ({"position": 3, "duration": "Infinity"}, "duration"),
    ],
)
async def test_bad_positions_get_a_clear_400(client, body, field) -> None:
    catalog, csrf = await signed_in_catalog(client)
    resp = await api(client, "PUT", f"/api/v1/progress/{catalog.heat}", body, csrf=csrf)
    assert resp.status == 400
    assert (await resp.json())["field"] == field


async def test_progress_is_per_profile_and_capped_for_kids(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    await api(client, "PUT", f"/api/v1/progress/{catalog.paddington}", {"position": 30}, csrf=csrf)
    await kids_profile(client, csrf)
    # The kids profile has its own (empty) progress, and cannot touch the R-rated film.
    assert (await client.get(f"/api/v1/progress/{catalog.paddington}")).status == 404
    resp = await api(client, "PUT", f"/api/v1/progress/{catalog.heat}", {"position": 3}, csrf=csrf)
    assert resp.status == 404
    resp = await api(client, "PUT", "/api/v1/progress/999999", {"position": 3}, csrf=csrf)
    assert resp.status == 404
