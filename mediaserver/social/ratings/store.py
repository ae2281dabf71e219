"""Ratings and reviews in the database. Every rating change updates the title's aggregate
(`title_ratings`) in the same transaction, under a lock of that aggregate row, so the counts
always match the ratings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import titles
from mediaserver.db.schema import profiles
from mediaserver.db.social_ratings_schema import (
    profile_pages,
    ratings,
    review_helpful,
    reviews,
    title_ratings,
)
from mediaserver.db.upsert import dialect_insert, upsert
from mediaserver.social.ratings.records import (
    Owner,
    RatedTitle,
    RatingSummary,
    Review,
    ReviewSort,
)

REVIEW_LIMIT = 50


def _bucket(value: int) -> str:
    """The distribution column a rating counts in: half a star rounds up to one."""
    return f"stars_{(value + 1) // 2}"


async def summary(conn: AsyncConnection, title_id: int, profile_id: int) -> RatingSummary:
    agg = (
        await conn.execute(sa.select(title_ratings).where(title_ratings.c.title_id == title_id))
    ).first()
    mine = (
        await conn.execute(
            sa.select(ratings.c.value).where(
                ratings.c.profile_id == profile_id, ratings.c.title_id == title_id
            )
        )
    ).scalar()
    if agg is None:
        return RatingSummary(title_id, 0, 0, (0, 0, 0, 0, 0), mine)
    m = agg._mapping
    dist = (m["stars_1"], m["stars_2"], m["stars_3"], m["stars_4"], m["stars_5"])
    return RatingSummary(title_id, m["count"], m["total"], dist, mine)


async def set_rating(
    conn: AsyncConnection, profile: Profile, title_id: int, value: int | None, now: float
) -> None:
    """Rate (value in half stars), re-rate, or with None remove the profile's rating."""
    agg = title_ratings.c
    await conn.execute(
        dialect_insert(conn, title_ratings).values(title_id=title_id).on_conflict_do_nothing()
    )
    # Locks the aggregate row on PostgreSQL: changes to one title's ratings take turns.
    await conn.execute(sa.select(agg.title_id).where(agg.title_id == title_id).with_for_update())
    mine = sa.and_(ratings.c.profile_id == profile.id, ratings.c.title_id == title_id)
    old = (await conn.execute(sa.select(ratings.c.value).where(mine))).scalar()
    if old == value:
        return
    changes: dict[str, sa.ColumnElement[int]] = {}
    count, total = 0, 0
    if old is not None:
        count, total = count - 1, total - old
        changes[_bucket(old)] = agg[_bucket(old)] - 1
    if value is None:
        await conn.execute(sa.delete(ratings).where(mine))
    else:
        count, total = count + 1, total + value
        bucket = _bucket(value)
        changes[bucket] = changes.get(bucket, agg[bucket]) + 1
        await upsert(
            conn, ratings, [ratings.c.profile_id, ratings.c.title_id],
            {"profile_id": profile.id, "title_id": title_id, "user_id": profile.user_id,
             "value": value, "created_at": now, "updated_at": now},
            {"value": value, "updated_at": now},
        )  # fmt: skip
    await conn.execute(
        sa.update(title_ratings)
        .where(agg.title_id == title_id)
        .values(count=agg.count + count, total=agg.total + total, **changes)
    )


def _review_select(viewer: Profile) -> sa.Select:
    helpful = (
        sa.select(review_helpful.c.review_id)
        .where(review_helpful.c.review_id == reviews.c.id,
               review_helpful.c.profile_id == viewer.id)
        .exists()
    )  # fmt: skip
    rating = (
        sa.select(ratings.c.value)
        .where(ratings.c.profile_id == reviews.c.profile_id,
               ratings.c.title_id == reviews.c.title_id)
        .scalar_subquery()
    )  # fmt: skip
    return (
        sa.select(
            reviews.c.id, reviews.c.title_id, titles.c.title.label("title_name"),
            reviews.c.profile_id, profiles.c.name.label("author"), profiles.c.avatar,
            reviews.c.text, reviews.c.spoiler, reviews.c.created_at, reviews.c.updated_at,
            reviews.c.helpful_count, rating.label("rating"), helpful.label("helpful"),
        )
        .join(titles, titles.c.id == reviews.c.title_id)
        .join(profiles, profiles.c.id == reviews.c.profile_id)
        .where(title_visible(viewer))
    )  # fmt: skip


async def title_reviews(
    conn: AsyncConnection, viewer: Profile, title_id: int, sort: ReviewSort
) -> list[Review]:
    order = (
        [reviews.c.helpful_count.desc(), reviews.c.id.desc()]
        if sort == "helpful"
        else [reviews.c.created_at.desc(), reviews.c.id.desc()]
    )
    query = _review_select(viewer).where(reviews.c.title_id == title_id)
    rows = await conn.execute(query.order_by(*order).limit(REVIEW_LIMIT))
    return [Review.of(r, viewer.id) for r in rows]


async def review(conn: AsyncConnection, viewer: Profile, review_id: int) -> Review | None:
    """The review, if its title is one the viewer sees."""
    row = (await conn.execute(_review_select(viewer).where(reviews.c.id == review_id))).first()
    return Review.of(row, viewer.id) if row is not None else None


async def write_review(
    conn: AsyncConnection, profile: Profile, title_id: int, text: str, spoiler: bool, now: float
) -> int:
    """Create the profile's review of the title, or replace the one it has; its id."""
    await upsert(
        conn, reviews, [reviews.c.profile_id, reviews.c.title_id],
        {"title_id": title_id, "profile_id": profile.id, "user_id": profile.user_id,
         "text": text, "spoiler": spoiler, "created_at": now, "updated_at": now},
        {"text": text, "spoiler": spoiler, "updated_at": now},
    )  # fmt: skip
    found = await conn.execute(
        sa.select(reviews.c.id).where(
            reviews.c.profile_id == profile.id, reviews.c.title_id == title_id
        )
    )
    return int(found.scalar_one())


def _own(profile: Profile, review_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(reviews.c.id == review_id, reviews.c.profile_id == profile.id)


async def edit_review(
    conn: AsyncConnection, profile: Profile, review_id: int, text: str, spoiler: bool, now: float
) -> bool:
    """Change the profile's own review; False when it is not the profile's."""
    done = await conn.execute(
        sa.update(reviews).where(_own(profile, review_id))
        .values(text=text, spoiler=spoiler, updated_at=now)
    )  # fmt: skip
    return done.rowcount == 1


async def delete_review(conn: AsyncConnection, profile: Profile, review_id: int) -> bool:
    done = await conn.execute(sa.delete(reviews).where(_own(profile, review_id)))
    return done.rowcount == 1


async def set_helpful(
    conn: AsyncConnection, profile: Profile, review_id: int, helpful: bool, now: float
) -> None:
    """Mark or unmark; marking twice (or unmarking twice) changes nothing."""
    if helpful:
        added = await conn.execute(
            dialect_insert(conn, review_helpful)
            .values(review_id=review_id, profile_id=profile.id, created_at=now)
            .on_conflict_do_nothing()
        )
        step = 1 if added.rowcount == 1 else 0
    else:
        gone = await conn.execute(
            sa.delete(review_helpful).where(
                review_helpful.c.review_id == review_id, review_helpful.c.profile_id == profile.id
            )
        )
        step = -1 if gone.rowcount == 1 else 0
    if step:
        await conn.execute(
            sa.update(reviews).where(reviews.c.id == review_id)
            .values(helpful_count=reviews.c.helpful_count + step)
        )  # fmt: skip


async def owner(conn: AsyncConnection, profile_id: int) -> Owner | None:
    row = (
        await conn.execute(
            sa.select(profiles.c.id, profiles.c.user_id, profiles.c.name, profiles.c.avatar,
                      sa.func.coalesce(profile_pages.c.public, sa.false()).label("public"))
            .outerjoin(profile_pages, profile_pages.c.profile_id == profiles.c.id)
            .where(profiles.c.id == profile_id)
        )
    ).first()  # fmt: skip
    if row is None:
        return None
    return Owner(row.id, row.user_id, row.name, row.avatar, bool(row.public))


async def set_public(conn: AsyncConnection, profile_id: int, public: bool, now: float) -> None:
    await upsert(
        conn, profile_pages, [profile_pages.c.profile_id],
        {"profile_id": profile_id, "public": public, "updated_at": now},
        {"public": public, "updated_at": now},
    )  # fmt: skip


async def rated_titles(
    conn: AsyncConnection, viewer: Profile, profile_id: int, limit: int = 200
) -> list[RatedTitle]:
    """The profile's ratings, newest first, of titles the viewer sees."""
    rows = await conn.execute(
        sa.select(ratings.c.title_id, titles.c.title, titles.c.year, ratings.c.value,
                  ratings.c.updated_at)
        .join(titles, titles.c.id == ratings.c.title_id)
        .where(ratings.c.profile_id == profile_id, title_visible(viewer))
        .order_by(ratings.c.updated_at.desc(), ratings.c.title_id)
        .limit(limit)
    )  # fmt: skip
    return [RatedTitle(*r) for r in rows]


async def reviews_of(conn: AsyncConnection, viewer: Profile, profile_id: int) -> list[Review]:
    query = _review_select(viewer).where(reviews.c.profile_id == profile_id)
    rows = await conn.execute(query.order_by(reviews.c.created_at.desc()).limit(REVIEW_LIMIT))
    return [Review.of(r, viewer.id) for r in rows]
