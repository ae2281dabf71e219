"""Comment moderation (comments off server-wide, per library, per title; hide or delete any
comment; block a user; reports listed for admins; all audited) and the live stream."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient

from mediaserver.db.audit import list_audit
from mediaserver.keys import db_key
from mediaserver.social.comments.hub import hub_key
from tests.helpers import api, csrf_from, setup_admin
from tests.social.comments_fixtures import Forum, forum, listing, post, posted
from tests.watchparty.conftest import party

__all__ = ["forum", "party"]  # fixtures used by the tests below


async def test_reports_are_listed_and_admin_hides_deletes_and_dismisses(forum: Forum) -> None:
    rude = await posted(forum.bob, forum.heat, "rude <b>words</b>")
    other = await posted(forum.bob, forum.heat, "borderline")
    for cid, reason in ((rude["id"], "insulting"), (other["id"], "")):
        for _ in range(2):  # reporting twice counts once
            resp = await forum.alice.api(
                "POST", f"/api/v1/comments/{cid}/report", {"reason": reason}
            )
            assert resp.status == 204
    page = await (await forum.alice.client.get("/admin/comments")).text()
    assert f'id="reported-{rude["id"]}"' in page and f'id="reported-{other["id"]}"' in page
    assert "rude &lt;b&gt;words&lt;/b&gt;" in page and "“insulting”" in page
    assert '<a href="/admin/comments" aria-current="page">Comments</a>' in page
    # Bob is not an admin.
    resp = await forum.bob.client.get("/admin/comments")
    assert resp.status == 403
    resp = await forum.bob.api("POST", f"/api/v1/admin/comments/{rude['id']}", {"action": "hide"})
    assert resp.status == 403

    resp = await forum.alice.api("POST", f"/api/v1/admin/comments/{rude['id']}", {"action": "hide"})
    assert resp.status == 200
    resp = await forum.alice.client.post(
        f"/admin/comments/{other['id']}/dismiss",
        data={"csrf_token": forum.alice.csrf},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await forum.alice.client.get("/admin/comments")).text()
    assert 'id="reported-' not in page and "No open reports." in page

    # Hidden: gone for bob, shown as hidden to the admin.
    assert [c["text"] for c in (await listing(forum.bob, forum.heat))["comments"]] == ["borderline"]
    admin_view = (await listing(forum.alice, forum.heat))["comments"]
    assert [(c["text"], c["hidden"]) for c in admin_view] == [
        ("borderline", False),
        ("rude <b>words</b>", True),
    ]
    resp = await forum.alice.api(
        "POST", f"/api/v1/admin/comments/{other['id']}", {"action": "delete"}
    )
    assert resp.status == 200
    assert (await listing(forum.bob, forum.heat))["comments"] == []
    actions = [e.action for e in await list_audit(forum.alice.client.app[db_key])]
    assert {"comment.hide", "comment.dismiss", "comment.delete"} <= set(actions)


async def test_block_a_user_from_commenting(forum: Forum) -> None:
    await posted(forum.bob, forum.heat, "before the block")
    resp = await forum.alice.api(
        "PUT", f"/api/v1/admin/comments/users/{forum.party.bob_id}", {"blocked": True}
    )
    assert resp.status == 200
    resp = await post(forum.bob, forum.heat, "after the block")
    assert resp.status == 403 and "blocked" in (await resp.json())["detail"]
    html = await (await forum.bob.client.get(f"/titles/{forum.heat}/comments")).text()
    assert "blocked this account from commenting" in html and "data-comment-form" not in html
    assert "before the block" in html  # reading still works
    page = await (await forum.alice.client.get("/admin/comments")).text()
    assert "bob" in page and "Blocked from commenting" in page
    await forum.alice.client.post(
        f"/admin/comments/users/{forum.party.bob_id}/unblock",
        data={"csrf_token": forum.alice.csrf},
    )
    await posted(forum.bob, forum.heat, "unblocked")


async def test_comments_off_per_title_and_per_library(forum: Forum) -> None:
    await posted(forum.bob, forum.heat, "early")
    resp = await forum.alice.api(
        "PUT", f"/api/v1/admin/comments/title/{forum.heat}", {"comments": False}
    )
    assert resp.status == 200
    resp = await post(forum.bob, forum.heat, "late")
    assert resp.status == 403 and "turned off" in (await resp.json())["detail"]
    assert (await listing(forum.bob, forum.heat))["enabled"] is False
    html = await (await forum.bob.client.get(f"/titles/{forum.heat}/comments")).text()
    assert "Comments are turned off here." in html and "data-comment-form" not in html
    await posted(forum.bob, forum.cartoon, "other titles still work")
    await forum.alice.api("PUT", f"/api/v1/admin/comments/title/{forum.heat}", {"comments": True})
    await posted(forum.bob, forum.heat, "back on")

    libraries = await (await forum.alice.client.get("/api/v1/libraries")).json()
    library_id = libraries["libraries"][0]["id"]
    resp = await forum.alice.api(
        "PUT", f"/api/v1/admin/comments/library/{library_id}", {"comments": False}
    )
    assert resp.status == 200
    resp = await post(forum.bob, forum.cartoon, "library off")
    assert resp.status == 403
    page = await (await forum.alice.client.get("/admin/comments")).text()
    assert "Turn on" in page
    resp = await forum.alice.api("PUT", "/api/v1/admin/comments/library/99999", {"comments": False})
    assert resp.status == 404


async def test_comments_off_server_wide(make_app, aiohttp_client) -> None:
    client: TestClient = await aiohttp_client(make_app(social={"comments": False}))
    await setup_admin(client)
    from tests.catalog.seed import Catalog

    title_id, _ = await Catalog(client.app[db_key]).movie("Quiet", rating="G")
    profiles = await (await client.get("/api/v1/profiles")).json()
    from tests.helpers import pick_profile

    await pick_profile(client, profiles["profiles"][0]["id"])
    csrf = await csrf_from(client, "/profiles")
    resp = await api(
        client, "POST", f"/api/v1/titles/{title_id}/comments", {"text": "hi"}, csrf=csrf
    )
    assert resp.status == 403


async def _read_event(resp, timeout: float = 5.0) -> dict | None:
    """The next `comment` event's data, or None when the stream ends."""
    async with asyncio.timeout(timeout):
        kind = None
        while True:
            line = await resp.content.readline()
            if not line:
                return None
            text = line.decode().strip()
            if text.startswith("event:"):
                kind = text.split(":", 1)[1].strip()
            elif text.startswith("data:") and kind == "comment":
                return json.loads(text.split(":", 1)[1])


async def test_live_stream_tells_other_viewers_and_ends_on_shutdown(forum: Forum) -> None:
    resp = await forum.alice.client.get(f"/titles/{forum.heat}/comments/events")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    made = await posted(forum.bob, forum.heat, "live <i>one</i>")
    event = await _read_event(resp)
    assert event == {"kind": "new", "id": made["id"], "parent_id": None, "episode_id": None}
    # The page then fetches the comment as its own viewer sees it (escaped).
    fragment = await (await forum.alice.client.get(f"/comments/{made['id']}")).text()
    assert "live &lt;i&gt;one&lt;/i&gt;" in fragment and "<i>one" not in fragment
    await forum.alice.api("PUT", f"/api/v1/comments/{made['id']}/like")
    assert (await _read_event(resp))["kind"] == "update"
    # Shutting down ends the stream.
    forum.alice.client.app[hub_key].close()
    assert await _read_event(resp) is None
    resp.close()
