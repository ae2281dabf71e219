"""Comments appear live across servers: on PostgreSQL, a comment section open on one server
process hears of a comment posted through another sharing the database (and of its edit) at
once, without waiting for a reload."""

from __future__ import annotations

import asyncio
import json

from tests.social.comments_fixtures import Forum, forum, posted
from tests.social.live_streams import bob_on_another_server, next_event
from tests.watchparty.conftest import party

__all__ = ["forum", "party"]  # fixtures used by the tests below


async def test_a_comment_posted_on_one_server_reaches_a_section_open_on_another(
    forum: Forum, make_app, aiohttp_client, backend: str
) -> None:
    other = await bob_on_another_server(make_app, aiohttp_client, backend, forum.bob.profile_id)
    async with other.get(f"/titles/{forum.heat}/comments/events") as stream:
        assert stream.status == 200 and stream.content_type == "text/event-stream"
        made = await posted(forum.alice, forum.heat, "Heard across the servers")
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event["kind"] == "new" and event["id"] == made["id"]
        resp = await forum.alice.api("PATCH", f"/api/v1/comments/{made['id']}",
                                     {"text": "Edited across the servers"})  # fmt: skip
        assert resp.status == 200, await resp.text()
        event = await asyncio.wait_for(next_event(stream), 5)
        assert event["kind"] == "update" and event["id"] == made["id"]
    shown = await (await other.get(f"/api/v1/comments/{made['id']}")).json()
    assert "Edited across the servers" in json.dumps(shown)
