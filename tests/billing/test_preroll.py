"""The Free plan's pre-roll: the clip the admin chose, signed for the caller, before the title;
none on a paid plan, for an exempt account, or with billing off."""

from __future__ import annotations

from tests.billing.fake_stripe import FakeStripe
from tests.billing.helpers import subscribe
from tests.streaming.test_user_limits import _movie_in, household, status


async def _preroll(client) -> dict | None:
    resp = await client.get("/api/v1/playback/preroll")
    assert resp.status == 200, await resp.text()
    return (await resp.json())["preroll"]


async def test_free_accounts_get_the_chosen_clip_and_paid_ones_none(
    bclient, fake_stripe: FakeStripe, place, media_dir
):
    home = await household(bclient)
    _, promo = await _movie_in(bclient, place, media_dir / "p", "Promos")
    assert await _preroll(bclient) is None  # nothing chosen yet
    csrf = await home.as_admin()
    page = await (await bclient.get("/admin/billing")).text()
    assert f'<option value="{promo}"' in page
    resp = await bclient.post(
        "/admin/billing/preroll",
        data={"csrf_token": csrf, "media_file_id": str(promo)},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    csrf = await home.as_alice()
    clip = await _preroll(bclient)
    assert clip is not None and clip["media_file_id"] == promo
    assert clip["unskippable_seconds"] == 5
    assert await status(bclient, clip["url"]) == 200  # the signed URL plays
    await subscribe(bclient, fake_stripe, csrf, "basic")
    assert await _preroll(bclient) is None


async def test_an_unknown_file_cannot_be_chosen(bclient):
    home = await household(bclient)
    csrf = await home.as_admin()
    resp = await bclient.post(
        "/admin/billing/preroll",
        data={"csrf_token": csrf, "media_file_id": "999"},
        headers={"Accept": "application/json"},
    )
    assert resp.status == 400
    assert "five minutes" in (await resp.json())["detail"]
