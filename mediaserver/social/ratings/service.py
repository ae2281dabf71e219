"""What a profile does with ratings and reviews: rate a title, write one review of it, mark
others' reviews helpful, and show or hide its profile page.

Every call names a title (or a review of one) the profile must see, and answers 404 otherwise,
or when a review to change is not the profile's: nothing changes and nothing is told.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.errors import Forbidden, NotFound
from mediaserver.keys import db_key
from mediaserver.social.clips import ClipSummary, clips_of_profile
from mediaserver.social.ratings import store
from mediaserver.social.ratings.access import title_name
from mediaserver.social.ratings.records import Owner, RatedTitle, RatingSummary, Review, ReviewSort
from mediaserver.social.ratings.text import clean_review

NO_REVIEW = "No such review."
NO_PAGE = "No such profile page, or it is not public."
OWN_REVIEW = "Your own review cannot be marked helpful."


@dataclass(frozen=True, slots=True)
class Section:
    """A title's ratings and reviews as one profile sees them."""

    title_id: int
    title_name: str
    summary: RatingSummary
    reviews: list[Review]
    sort: ReviewSort

    @property
    def my_review(self) -> Review | None:
        return next((r for r in self.reviews if r.mine), None)


@dataclass(frozen=True, slots=True)
class ProfilePage:
    owner: Owner
    own: bool  # the viewer's account owns the profile (and may make it public)
    ratings: list[RatedTitle]
    reviews: list[Review]
    clips: list[ClipSummary]


async def section(
    app: web.Application, viewer: Profile, title_id: int, sort: ReviewSort = "helpful"
) -> Section:
    async with app[db_key].read() as conn:
        name = await title_name(conn, viewer, title_id)
        summary = await store.summary(conn, title_id, viewer.id)
        found = await store.title_reviews(conn, viewer, title_id, sort)
        if not any(r.mine for r in found):
            # The viewer's own review is always on the page, however far down it sorts.
            mine = [r for r in await store.reviews_of(conn, viewer, viewer.id)
                    if r.title_id == title_id]  # fmt: skip
            found = found + mine
    return Section(title_id, name, summary, found, sort)


async def rate(
    app: web.Application, viewer: Profile, title_id: int, value: int | None
) -> RatingSummary:
    """Rate in half stars (1..10, already checked), or remove the rating with None."""
    async with app[db_key].write() as conn:
        await title_name(conn, viewer, title_id)
        await store.set_rating(conn, viewer, title_id, value, time.time())
        return await store.summary(conn, title_id, viewer.id)


async def write_review(
    app: web.Application, viewer: Profile, title_id: int, text: object, spoiler: bool
) -> Review:
    """Write the profile's one review of the title (replacing the one it had)."""
    clean = clean_review(text)
    async with app[db_key].write() as conn:
        await title_name(conn, viewer, title_id)
        review_id = await store.write_review(conn, viewer, title_id, clean, spoiler, time.time())
    return await find(app, viewer, review_id)


async def find(app: web.Application, viewer: Profile, review_id: int) -> Review:
    async with app[db_key].read() as conn:
        found = await store.review(conn, viewer, review_id)
    if found is None:
        raise NotFound(NO_REVIEW)
    return found


async def edit_review(
    app: web.Application, viewer: Profile, review_id: int, text: object, spoiler: bool
) -> Review:
    clean = clean_review(text)
    async with app[db_key].write() as conn:
        if await store.review(conn, viewer, review_id) is None or not await store.edit_review(
            conn, viewer, review_id, clean, spoiler, time.time()
        ):
            raise NotFound(NO_REVIEW)
    return await find(app, viewer, review_id)


async def delete_review(app: web.Application, viewer: Profile, review_id: int) -> int:
    """Delete the profile's own review; the title it was of."""
    async with app[db_key].write() as conn:
        found = await store.review(conn, viewer, review_id)
        if found is None or not await store.delete_review(conn, viewer, review_id):
            raise NotFound(NO_REVIEW)
    return found.title_id


async def set_helpful(
    app: web.Application, viewer: Profile, review_id: int, helpful: bool
) -> Review:
    async with app[db_key].write() as conn:
        found = await store.review(conn, viewer, review_id)
        if found is None:
            raise NotFound(NO_REVIEW)
        if found.mine:
            raise Forbidden(OWN_REVIEW)
        await store.set_helpful(conn, viewer, review_id, helpful, time.time())
    return await find(app, viewer, review_id)


async def _owner(app: web.Application, viewer: Profile, profile_id: int) -> Owner:
    async with app[db_key].read() as conn:
        found = await store.owner(conn, profile_id)
    if found is None or not (found.public or found.user_id == viewer.user_id):
        raise NotFound(NO_PAGE)
    return found


async def profile_page(app: web.Application, viewer: Profile, profile_id: int) -> ProfilePage:
    """The page, if the viewer's account owns the profile or the profile made it public; only
    titles the viewer may see are listed."""
    owner = await _owner(app, viewer, profile_id)
    async with app[db_key].read() as conn:
        rated = await store.rated_titles(conn, viewer, profile_id)
        written = await store.reviews_of(conn, viewer, profile_id)
    clips = await clips_of_profile(app, profile_id, viewer)
    return ProfilePage(owner, owner.user_id == viewer.user_id, rated, written, clips)


async def set_public(app: web.Application, viewer: Profile, profile_id: int, public: bool) -> Owner:
    """Only the profile's own account may show or hide its page."""
    owner = await _owner(app, viewer, profile_id)
    if owner.user_id != viewer.user_id:
        raise NotFound(NO_PAGE)
    async with app[db_key].write() as conn:
        await store.set_public(conn, profile_id, public, time.time())
    return await _owner(app, viewer, profile_id)
