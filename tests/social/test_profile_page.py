"""Profile pages: a profile's ratings, reviews and clips, seen by its own account always and by
others only once made public; the viewer's kids caps apply to what is listed."""

from __future__ import annotations

from tests.helpers import pick_profile
from tests.social.comments_fixtures import Forum, forum
from tests.social.test_ratings import rate, reviewed
from tests.watchparty.conftest import party

__all__ = ["forum", "party"]  # fixtures used by the tests below


async def test_private_by_default_public_when_chosen(forum: Forum) -> None:
    bob = forum.bob
    await rate(bob, forum.heat, 3.5)
    await reviewed(bob, forum.heat, "Tense <b>throughout</b>", spoiler=True)
    page = f"/profiles/{bob.profile_id}"

    html = await (await bob.client.get(page)).text()
    assert "Tense &lt;b&gt;throughout&lt;/b&gt;" in html and "Make public" in html
    resp = await bob.client.get(f"/api/v1/profiles/{bob.profile_id}/page")
    got = await resp.json()
    assert got["own"] is True and got["public"] is False
    assert [(r["title_id"], r["value"]) for r in got["ratings"]] == [(forum.heat, 3.5)]
    assert got["clips"] == []

    # Another account sees nothing, and may not flip the switch.
    assert (await forum.alice.client.get(page)).status == 404
    resp = await forum.alice.api("PUT", f"/api/v1/profiles/{bob.profile_id}/page", {"public": True})
    assert resp.status == 404
    assert (await forum.alice.client.get(page)).status == 404

    resp = await bob.client.post(f"{page}/public", data={"csrf_token": bob.csrf, "public": "on"},
                                 allow_redirects=False)  # fmt: skip
    assert resp.status == 303
    html = await (await forum.alice.client.get(page)).text()
    assert "Tense &lt;b&gt;throughout&lt;/b&gt;" in html and "Make public" not in html
    assert "Show spoiler" in html

    resp = await bob.api("PUT", f"/api/v1/profiles/{bob.profile_id}/page", {"public": False})
    assert resp.status == 204
    assert (await forum.alice.client.get(page)).status == 404


async def test_kids_caps_apply_to_what_the_page_lists(forum: Forum) -> None:
    bob = forum.bob
    await rate(bob, forum.heat, 4)
    await rate(bob, forum.cartoon, 3)
    await reviewed(bob, forum.heat, "grown-up opinion")
    await reviewed(bob, forum.cartoon, "fun for everyone")
    # The same account's kids profile sees the page, without the adult title.
    await pick_profile(bob.client, forum.party.bob_kids_id)
    resp = await bob.client.get(f"/api/v1/profiles/{bob.profile_id}/page")
    got = await resp.json()
    assert got["own"] is True
    assert [r["title_id"] for r in got["ratings"]] == [forum.cartoon]
    assert [r["text"] for r in got["reviews"]] == ["fun for everyone"]
    html = await (await bob.client.get(f"/profiles/{bob.profile_id}")).text()
    assert "grown-up opinion" not in html and "fun for everyone" in html


async def test_unknown_profile_is_404(forum: Forum) -> None:
    assert (await forum.alice.client.get("/profiles/999999")).status == 404
    assert (await forum.alice.client.get("/api/v1/profiles/999999/page")).status == 404
