"""What the tagging pages and API call: the review queue, review actions, a viewer's tags."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key
from mediaserver.recommend.tagging import store
from mediaserver.recommend.tagging.records import (
    STATUS_OF,
    BulkAction,
    ReviewStatus,
    TitleReview,
    TitleTag,
)
from mediaserver.recommend.tagging.vocabulary import normalise_tag

MAX_BULK = 1000
MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL


def path_id(request: web.Request, name: str) -> int:
    """An id from the URL; one no row can have is "not found" (never a database error)."""
    value = int_path(request, name)
    if value > MAX_ID:
        raise NotFound("No such item.")
    return value


def checked_tag(raw: str) -> str:
    tag = normalise_tag(raw)
    if tag is None:
        raise BadRequest("A tag needs letters or digits, like 'slow-burn'.", field="tag")
    return tag


async def review_page(
    app: web.Application, status: ReviewStatus, page: int, per_page: int
) -> tuple[list[TitleReview], int]:
    async with app[db_key].read() as conn:
        return await store.reviews(conn, status, (page - 1) * per_page, per_page)


async def title_review(app: web.Application, title_id: int) -> TitleReview:
    async with app[db_key].read() as conn:
        found = await store.review_of(conn, title_id)
    if found is None:
        raise NotFound("No such title.")
    return found


async def tag_by_id(app: web.Application, tag_id: int) -> TitleTag:
    async with app[db_key].read() as conn:
        found = await store.one(conn, tag_id)
    if found is None:
        raise NotFound("No such tag.")
    return found


async def edit_tag(
    app: web.Application,
    tag_id: int,
    *,
    status: BulkAction | None = None,
    rename: str | None = None,
) -> TitleTag:
    """Accept, reject or reopen one tag, or rename it (which also accepts it)."""
    found = await tag_by_id(app, tag_id)
    async with app[db_key].write() as conn:
        if rename is not None and checked_tag(rename) != found.tag:
            found = await store.rename(conn, found, checked_tag(rename))
        elif status is not None:
            await store.set_status(conn, [tag_id], STATUS_OF[status])
        updated = await store.one(conn, found.id)
    assert updated is not None
    return updated


async def add_tag(app: web.Application, title_id: int, raw: str) -> TitleTag:
    tag = checked_tag(raw)
    await title_review(app, title_id)  # 404 for no such title
    async with app[db_key].write() as conn:
        return await store.add(conn, title_id, tag)


async def bulk(
    app: web.Application, action: BulkAction, tag_ids: Sequence[int], title_ids: Sequence[int]
) -> int:
    """Apply one action to these tags, and to every open suggestion of these titles."""
    if not tag_ids and not title_ids:
        raise BadRequest("Choose at least one tag or title.", field="tag_ids")
    if len(tag_ids) + len(title_ids) > MAX_BULK:
        raise BadRequest(f"At most {MAX_BULK} tags and titles at once.", field="tag_ids")
    status = STATUS_OF[action]
    async with app[db_key].write() as conn:
        done = await store.set_status(conn, tag_ids, status)
        if action != "reopen":
            done += await store.set_title_status(conn, title_ids, status)
    return done


async def unanalysed(app: web.Application, limit: int) -> list[int]:
    async with app[db_key].read() as conn:
        return await store.unanalysed_titles(conn, limit)


async def visible_title(app: web.Application, profile: Profile, title_id: int) -> str:
    """The title's name, or NotFound when the profile does not see it (kids cap, libraries)."""
    query = sa.select(titles.c.title).where(titles.c.id == title_id, title_visible(profile))
    async with app[db_key].read() as conn:
        name = (await conn.execute(query)).scalar()
    if name is None:
        raise NotFound("No such title.")
    return str(name)


async def viewer_tags(app: web.Application, profile: Profile, title_id: int) -> list[str]:
    """A title's accepted tags, for a profile that may see it."""
    await visible_title(app, profile, title_id)
    return (await accepted_tags(app[db_key], [title_id])).get(title_id, [])


async def tag_cloud(app: web.Application, profile: Profile) -> list[tuple[str, str, int]]:
    """(tag, kind, titles) over the titles this profile may see."""
    async with app[db_key].read() as conn:
        return await store.tag_counts(conn, title_visible(profile))


async def accepted_tags(db: Database, title_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each title's accepted tags (titles without any are left out); for similarity."""
    async with db.read() as conn:
        return await store.accepted(conn, title_ids)
