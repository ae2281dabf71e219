"""Clips are made by "clips.make" jobs of the durable queue: a clip asked for while no runner
works (a server stopping, or one that only serves) is made by the next server that runs jobs,
and a clip saved without its job is queued again when a server starts."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from mediaserver.db.schema import jobs
from mediaserver.db.social_clips_schema import clips
from mediaserver.keys import config_key, db_key
from tests.social.test_clips import create, movie  # noqa: F401  (fixture)
from tests.watchparty.conftest import Party, party  # noqa: F401  (fixture)


async def _statuses(db) -> dict[str, str]:
    async with db.read() as conn:
        return dict((await conn.execute(sa.select(clips.c.slug, clips.c.status))).all())


async def test_a_clip_waiting_in_the_queue_is_made_by_the_next_server(
    movie: Party,  # noqa: F811
    make_app,
    aiohttp_client,
) -> None:
    first = movie.alice.client.app
    first[config_key].jobs.concurrency = 0  # this server no longer runs jobs
    kept = await create(movie.alice, movie.movie, 1.0, 3.0)
    lost = await create(movie.alice, movie.movie, 2.0, 4.0)
    db = first[db_key]
    async with db.write() as conn:
        queued = (
            await conn.execute(sa.select(jobs.c.payload).where(jobs.c.type == "clips.make"))
        ).scalars()
        assert len(list(queued)) == 2
        # As if the server had stopped between saving the clip and queueing its job.
        lost_id = (
            await conn.execute(sa.select(clips.c.id).where(clips.c.slug == lost["id"]))
        ).scalar_one()
        await conn.execute(
            jobs.delete().where(
                jobs.c.type == "clips.make", jobs.c.payload["clip_id"].as_integer() == lost_id
            )
        )
    await asyncio.sleep(0.3)
    assert await _statuses(db) == {kept["id"]: "queued", lost["id"]: "queued"}

    await aiohttp_client(make_app(jobs={"concurrency": 2}))  # the next server, same database
    for _ in range(300):
        if set((await _statuses(db)).values()) == {"ready"}:
            break
        await asyncio.sleep(0.05)
    assert await _statuses(db) == {kept["id"]: "ready", lost["id"]: "ready"}
