"""Comments on title and episode pages, through the JSON API and the HTML section: posting,
replies, sorting, likes, edits, deletes, playback-time links, paging, and the bad input the
server must refuse or defuse."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.social_comments_schema import comments
from mediaserver.keys import db_key
from tests.helpers import pick_profile
from tests.social.comments_fixtures import Forum, forum, listing, post, posted
from tests.watchparty.conftest import party

__all__ = ["forum", "party"]  # fixtures used by the tests below

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>'


async def _age(forum: Forum, comment_id: int, seconds: float) -> None:
    """Pretend the comment was posted `seconds` earlier."""
    async with forum.alice.client.app[db_key].write() as conn:
        await conn.execute(
            sa.update(comments)
            .where(comments.c.id == comment_id)
            .values(created_at=comments.c.created_at - seconds)
        )


async def test_post_reply_like_and_sort(forum: Forum) -> None:
    first = await posted(forum.alice, forum.heat, "Best heist movie")
    second = await posted(forum.bob, forum.heat, "The diner scene at 1:02:03!")
    assert second["author"] != "" and second["mine"] is True and second["may_edit"] is True
    reply = await posted(forum.bob, forum.heat, "agreed", parent_id=first["id"])
    # A reply to a reply joins the top-level comment: one level only.
    nested = await posted(forum.alice, forum.heat, "thanks", parent_id=reply["id"])
    assert reply["parent_id"] == first["id"] and nested["parent_id"] == first["id"]

    page = await listing(forum.alice, forum.heat)
    assert [c["id"] for c in page["comments"]] == [second["id"], first["id"]]  # newest first
    top = page["comments"][1]
    assert [r["id"] for r in top["replies"]] == [reply["id"], nested["id"]]
    assert top["reply_count"] == 2 and page["enabled"] is True

    # Liking twice counts once; bob's like puts alice's comment on top.
    for _ in range(2):
        resp = await forum.bob.api("PUT", f"/api/v1/comments/{first['id']}/like")
        assert resp.status == 200, await resp.text()
    liked = (await resp.json())["comment"]
    assert liked["like_count"] == 1 and liked["liked"] is True
    page = await listing(forum.alice, forum.heat, "?sort=top")
    assert [c["id"] for c in page["comments"]] == [first["id"], second["id"]]
    assert page["comments"][0]["liked"] is False  # alice did not like it
    resp = await forum.bob.api("DELETE", f"/api/v1/comments/{first['id']}/like")
    assert (await resp.json())["comment"]["like_count"] == 0


async def test_edit_within_window_and_delete_keeps_replies(forum: Forum) -> None:
    mine = await posted(forum.bob, forum.heat, "tpyo")
    resp = await forum.bob.api("PATCH", f"/api/v1/comments/{mine['id']}", {"text": "typo"})
    assert resp.status == 200
    edited = (await resp.json())["comment"]
    assert edited["text"] == "typo" and edited["edited_at"] is not None

    await _age(forum, mine["id"], 16 * 60)  # past the 15 minutes
    resp = await forum.bob.api("PATCH", f"/api/v1/comments/{mine['id']}", {"text": "late"})
    assert resp.status == 403 and "15 minutes" in (await resp.json())["detail"]

    await posted(forum.alice, forum.heat, "a reply", parent_id=mine["id"])
    resp = await forum.bob.api("DELETE", f"/api/v1/comments/{mine['id']}")
    assert resp.status == 204
    (top,) = (await listing(forum.alice, forum.heat))["comments"]
    assert top["deleted"] is True and top["text"] == "" and top["author"] == ""
    assert [r["text"] for r in top["replies"]] == ["a reply"]
    html = await (await forum.alice.client.get(f"/titles/{forum.heat}/comments")).text()
    assert "This comment was deleted." in html and "a reply" in html

    # A deleted comment without replies leaves nothing behind.
    lone = await posted(forum.bob, forum.heat, "gone soon")
    await forum.bob.api("DELETE", f"/api/v1/comments/{lone['id']}")
    assert [c["id"] for c in (await listing(forum.bob, forum.heat))["comments"]] == [mine["id"]]


async def test_someone_elses_comment_by_id_is_404_and_unchanged(forum: Forum) -> None:
    theirs = await posted(forum.alice, forum.heat, "alice wrote this")
    cid = theirs["id"]
    for method, path, body in (
        ("PATCH", f"/api/v1/comments/{cid}", {"text": "bob was here"}),
        ("DELETE", f"/api/v1/comments/{cid}", None),
    ):
        resp = await forum.bob.api(method, path, body)
        assert resp.status == 404, (method, await resp.text())
    resp = await forum.bob.client.post(
        f"/comments/{cid}/delete", data={"csrf_token": forum.bob.csrf}, allow_redirects=False
    )
    assert resp.status == 404
    (still,) = (await listing(forum.alice, forum.heat))["comments"]
    assert still["text"] == "alice wrote this" and still["deleted"] is False
    resp = await forum.bob.api("DELETE", "/api/v1/comments/999999")
    assert resp.status == 404


async def test_hostile_text_is_stored_as_text_and_shown_escaped(forum: Forum) -> None:
    made = await posted(forum.bob, forum.heat, XSS)
    assert made["text"] == XSS  # kept as typed
    html = await (await forum.alice.client.get(f"/titles/{forum.heat}/comments")).text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html


async def test_oversized_empty_and_invisible_text(forum: Forum) -> None:
    resp = await post(forum.bob, forum.heat, "x" * 2001)
    assert resp.status == 422 and "2000" in (await resp.json())["detail"]
    resp = await post(forum.bob, forum.heat, "\u200b\u202e \u2066")
    assert resp.status == 422
    resp = await post(forum.bob, forum.heat, 12)
    assert resp.status == 400
    # Direction overrides and zero-width runs are removed; the words stay.
    made = await posted(forum.bob, forum.heat, "ok\u202egnp.exe\u202c fine\u200b\u200b\u200bspam")
    assert made["text"] == "okgnp.exe finespam"
    assert len((await listing(forum.bob, forum.heat))["comments"]) == 1  # refusals stored nothing


async def test_playback_times_link_to_the_player(forum: Forum) -> None:
    await posted(forum.bob, forum.heat, "at 12:34 and 1:02:03, not 99:99 or 3:7")
    html = await (await forum.bob.client.get(f"/titles/{forum.heat}/comments")).text()
    assert f'href="/watch/{forum.heat_file}?t=754">12:34</a>' in html
    assert f'href="/watch/{forum.heat_file}?t=3723">1:02:03</a>' in html
    assert html.count('class="comment-time"') == 2  # "99:99" and "3:7" are not times
    # An episode's comments link to the episode's file.
    await posted(forum.bob, forum.show, "recap ends at 0:45", episode_id=forum.episode)
    html = await (
        await forum.bob.client.get(f"/titles/{forum.show}/comments?episode={forum.episode}")
    ).text()
    assert f'href="/watch/{forum.episode_file}?t=45">0:45</a>' in html
    # A series-level comment has no file to open: its times stay text.
    await posted(forum.bob, forum.show, "the whole show peaks at 0:45")
    html = await (await forum.bob.client.get(f"/titles/{forum.show}/comments")).text()
    assert "peaks at 0:45" in html and 'class="comment-time"' not in html


async def test_episode_threads_are_separate(forum: Forum) -> None:
    await posted(forum.bob, forum.show, "about the series")
    ep = await posted(forum.bob, forum.show, "about episode one", episode_id=forum.episode)
    assert ep["episode_id"] == forum.episode
    series = await listing(forum.bob, forum.show)
    episode = await listing(forum.bob, forum.show, f"?episode_id={forum.episode}")
    assert [c["text"] for c in series["comments"]] == ["about the series"]
    assert [c["text"] for c in episode["comments"]] == ["about episode one"]
    # Replying across threads is refused.
    resp = await post(forum.bob, forum.show, "wrong place", parent_id=ep["id"])
    assert resp.status == 404
    # An episode of another title is not found.
    resp = await forum.bob.client.get(f"/api/v1/titles/{forum.heat}/comments?episode_id=1")
    assert resp.status == 404


async def test_cursor_paging_visits_every_comment_once(forum: Forum) -> None:
    made = []
    for n in range(25):
        made.append((await posted(forum.alice, forum.cartoon, f"n{n}"))["id"])
        if n % 4 == 3:
            await _age_all(forum)  # stay under the rate limit
    for sort in ("new", "top"):
        seen: list[int] = []
        query = f"?sort={sort}"
        while True:
            page = await listing(forum.bob, forum.cartoon, query)
            seen.extend(c["id"] for c in page["comments"])
            if not page["next_cursor"]:
                break
            query = f"?sort={sort}&cursor={page['next_cursor']}"
        assert seen == sorted(made, reverse=True), sort
    resp = await forum.bob.client.get(f"/api/v1/titles/{forum.cartoon}/comments?cursor=zz")
    assert resp.status == 400


async def _age_all(forum: Forum) -> None:
    async with forum.alice.client.app[db_key].write() as conn:
        await conn.execute(sa.update(comments).values(created_at=comments.c.created_at - 61))


async def test_flood_is_429_with_retry_after(forum: Forum) -> None:
    for n in range(5):
        await posted(forum.bob, forum.heat, f"spam {n}")
    resp = await post(forum.bob, forum.heat, "one too many")
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "5 comments a minute" in (await resp.json())["detail"]
    assert len((await listing(forum.bob, forum.heat))["comments"]) == 5
    # Another profile is not held back.
    await posted(forum.alice, forum.heat, "alice still may")


async def test_kids_profile_gets_404_for_an_adult_titles_comments(forum: Forum) -> None:
    made = await posted(forum.alice, forum.heat, "grown-up talk")
    await posted(forum.alice, forum.cartoon, "for everyone")
    await pick_profile(forum.bob.client, forum.party.bob_kids_id)
    client = forum.bob.client
    for path in (
        f"/titles/{forum.heat}/comments",
        f"/api/v1/titles/{forum.heat}/comments",
        f"/titles/{forum.heat}/comments/events",
        f"/comments/{made['id']}",
        f"/api/v1/comments/{made['id']}",
    ):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert "grown-up talk" not in await resp.text()
    resp = await post(forum.bob, forum.heat, "kid")
    assert resp.status == 404
    resp = await forum.bob.api("PUT", f"/api/v1/comments/{made['id']}/like")
    assert resp.status == 404
    kids_view = await listing(forum.bob, forum.cartoon)
    assert [c["text"] for c in kids_view["comments"]] == ["for everyone"]


async def test_html_section_and_forms_work_without_javascript(forum: Forum) -> None:
    client, csrf = forum.bob.client, forum.bob.csrf
    resp = await client.post(
        f"/titles/{forum.heat}/comments",
        data={"csrf_token": csrf, "text": "from a plain form"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"].startswith(f"/titles/{forum.heat}#")
    html = await (await client.get(f"/titles/{forum.heat}/comments")).text()
    assert "from a plain form" in html and 'id="comments"' in html
    resp = await client.post(f"/titles/{forum.heat}/comments", data={"text": "no csrf"})
    assert resp.status == 403
    title_page = await (await client.get(f"/titles/{forum.heat}")).text()
    assert f'hx-get="/titles/{forum.heat}/comments"' in title_page
    assert "js/social/comments.js" in title_page
