"""A title's cast row as a viewer sees it: people in billing order with their photos, the
studios and the collection; and one person's photo, for a profile that may see a title they
are credited on."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import people, title_people, titles
from mediaserver.db.engine import Database
from mediaserver.db.providers_schema import person_photos, title_collections, title_studios
from mediaserver.errors import NotFound

MAX_SHOWN = 30


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str
    character: str | None
    has_photo: bool


@dataclass(frozen=True, slots=True)
class Credits:
    title_id: int
    people: list[Person]
    studios: list[str]
    collection: str | None


async def credits_of(db: Database, profile: Profile | None, title_id: int) -> Credits:
    """NotFound for a title this profile may not see."""
    async with db.read() as conn:
        seen = await conn.scalar(
            sa.select(titles.c.id).where(titles.c.id == title_id, title_visible(profile))
        )
        if seen is None:
            raise NotFound("No such title.")
        rows = (
            await conn.execute(
                sa.select(people.c.id, people.c.name, title_people.c.role,
                          title_people.c.character, person_photos.c.person_id.is_not(None))
                .join(people, people.c.id == title_people.c.person_id)
                .outerjoin(person_photos, person_photos.c.person_id == people.c.id)
                .where(title_people.c.title_id == title_id)
                .order_by(title_people.c.role != "actor", title_people.c.position,
                          title_people.c.id)
                .limit(MAX_SHOWN)
            )
        ).all()  # fmt: skip
        studios = (
            await conn.scalars(
                sa.select(title_studios.c.name)
                .where(title_studios.c.title_id == title_id)
                .order_by(title_studios.c.position)
            )
        ).all()
        collection = await conn.scalar(
            sa.select(title_collections.c.name).where(title_collections.c.title_id == title_id)
        )
    return Credits(
        title_id,
        [Person(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows],
        list(studios),
        collection,
    )


async def photo_location(db: Database, profile: Profile | None, person_id: int) -> str:
    """The storage key of a person's photo; NotFound unless the person is credited on a title
    this profile may see."""
    query = (
        sa.select(person_photos.c.location)
        .join(title_people, title_people.c.person_id == person_photos.c.person_id)
        .join(titles, titles.c.id == title_people.c.title_id)
        .where(person_photos.c.person_id == person_id, title_visible(profile))
        .limit(1)
    )
    async with db.read() as conn:
        found = await conn.scalar(query)
    if found is None:
        raise NotFound("No such photo.")
    return found
