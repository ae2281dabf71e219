"""Profiles inside an account: name, avatar, kids flag with a rating cap, optional PIN."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mediaserver.accounts.passwords import hash_secret, verify_secret
from mediaserver.accounts.session_cache import forget_user
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.schema import profiles
from mediaserver.errors import BadRequest, Conflict, NotFound
from mediaserver.media.languages import language_names

# Built-in avatars (colours of the generated badge); a profile picks one by name.
Avatar = Literal["blue", "red", "green", "yellow", "purple", "orange", "teal", "pink"]
AVATARS: tuple[Avatar, ...] = get_args(Avatar)
# Maturity ratings, lowest first (US film/TV scale, as most metadata sources use).
Rating = Literal["G", "TV-Y", "TV-Y7", "PG", "TV-PG", "PG-13", "TV-14", "R", "TV-MA", "NC-17"]
RATINGS: tuple[Rating, ...] = get_args(Rating)
KIDS_DEFAULT_RATING: Rating = "PG"
PIN_RE = re.compile(r"[0-9]{4}")  # ASCII digits only; \d would also accept "１２３４"
# Languages a profile may prefer for artwork: ISO 639-1 code -> English name, by name.
LANGUAGES: dict[str, str] = language_names()


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    user_id: int
    name: str
    avatar: Avatar
    is_kids: bool
    max_rating: Rating | None
    has_pin: bool
    created_at: float
    # ISO 639-1 code of the artwork (posters, logos) it sees first; None: the server's language.
    language: str | None = None


def profile_from_row(row: sa.Row) -> Profile:
    """The Profile in a row that selected the `profiles` columns, alone or joined to others.

    Columns are looked up by column object, not name, so a join whose other tables also have
    `id` or `created_at` reads the profile's own.
    """
    m = row._mapping
    return Profile(
        m[profiles.c.id],
        m[profiles.c.user_id],
        m[profiles.c.name],
        m[profiles.c.avatar],
        bool(m[profiles.c.is_kids]),
        m[profiles.c.max_rating],
        m[profiles.c.pin_hash] is not None,
        m[profiles.c.created_at],
        m[profiles.c.language],
    )


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 40:
        raise BadRequest("Profile name must be 1-40 characters.", field="name")
    return name


def check_avatar(avatar: str) -> Avatar:
    if avatar not in AVATARS:
        raise BadRequest(f"Avatar must be one of: {', '.join(AVATARS)}.", field="avatar")
    return cast(Avatar, avatar)


def check_rating(rating: str | None) -> Rating | None:
    if rating is None or rating == "":
        return None
    if rating not in RATINGS:
        raise BadRequest(
            f"Maturity rating must be one of: {', '.join(RATINGS)}.", field="max_rating"
        )
    return cast(Rating, rating)


def check_language(language: str | None) -> str | None:
    """A known ISO 639-1 code, lower-cased ("FR" -> "fr"); empty or None: the server's."""
    if language is None or not language.strip():
        return None
    code = language.strip().lower()
    if code not in LANGUAGES:
        raise BadRequest(
            f"Unknown language {language.strip()[:20]!r}: choose a two-letter code such as en, "
            "fr or de, or leave it empty for the server's language.",
            field="language",
        )
    return code


def check_pin(pin: str) -> str:
    if not PIN_RE.fullmatch(pin):
        raise BadRequest("PIN must be exactly 4 digits.", field="pin")
    return pin


async def list_profiles(db: Database, user_id: int) -> list[Profile]:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(profiles).where(profiles.c.user_id == user_id).order_by(profiles.c.id)
            )
        ).all()
    return [profile_from_row(r) for r in rows]


async def get_profile(db: Database, user_id: int, profile_id: int) -> Profile:
    """A profile of this user; another user's profile id is simply 'not found'."""
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(profiles).where(
                    profiles.c.id == profile_id, profiles.c.user_id == user_id
                )
            )
        ).first()
    if row is None:
        raise NotFound("No such profile.")
    return profile_from_row(row)


async def create_profile(
    db: Database,
    user_id: int,
    *,
    name: str,
    avatar: str,
    is_kids: bool,
    max_rating: str | None,
    pin: str | None,
    limit: int,
    language: str | None = None,
) -> Profile:
    name, checked_avatar, rating = clean_name(name), check_avatar(avatar), check_rating(max_rating)
    checked_language = check_language(language)
    if is_kids and rating is None:
        rating = KIDS_DEFAULT_RATING
    pin_hash = await hash_secret(check_pin(pin)) if pin else None
    now = time.time()
    async with db.write() as conn:
        count = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(profiles)
                .where(profiles.c.user_id == user_id)
            )
        ).scalar_one()
        if count >= limit:
            raise Conflict(f"An account can have at most {limit} profiles.")
        try:
            result = await conn.execute(
                profiles.insert().values(
                    user_id=user_id,
                    name=name,
                    avatar=checked_avatar,
                    is_kids=is_kids,
                    max_rating=rating,
                    pin_hash=pin_hash,
                    created_at=now,
                    language=checked_language,
                )
            )
        except IntegrityError:
            raise Conflict(f"You already have a profile named '{name}'.", field="name") from None
    return Profile(
        result.inserted_primary_key[0],
        user_id,
        name,
        checked_avatar,
        is_kids,
        rating,
        pin_hash is not None,
        now,
        checked_language,
    )


async def update_profile(
    db: Database,
    user_id: int,
    profile_id: int,
    *,
    name: str,
    avatar: str,
    is_kids: bool,
    max_rating: str | None,
    pin: str | None,
    clear_pin: bool = False,
    language: str | None = None,
) -> Profile:
    """Change a profile. `pin=None` keeps the current PIN unless `clear_pin`. Making it kids or
    changing its rating cap refuses the media URLs it was handed, so a title it may no longer
    watch stops within seconds (the player asks again and is told)."""
    before = await get_profile(db, user_id, profile_id)  # 404 for someone else's profile
    values: dict[str, object] = {
        "name": clean_name(name),
        "avatar": check_avatar(avatar),
        "is_kids": is_kids,
        "max_rating": check_rating(max_rating) or (KIDS_DEFAULT_RATING if is_kids else None),
        "language": check_language(language),
    }
    if pin:
        values["pin_hash"] = await hash_secret(check_pin(pin))
    elif clear_pin:
        values["pin_hash"] = None
    async with db.write() as conn:
        try:
            await conn.execute(
                profiles.update()
                .where(profiles.c.id == profile_id, profiles.c.user_id == user_id)
                .values(**values)
            )
        except IntegrityError:
            raise Conflict(
                f"You already have a profile named '{values['name']}'.", field="name"
            ) from None
        if (before.is_kids, before.max_rating) != (values["is_kids"], values["max_rating"]):
            await bump(conn, "profile", [profile_id])
    forget_user(user_id)  # sessions cached with the profile as it was
    return await get_profile(db, user_id, profile_id)


async def delete_profile(db: Database, user_id: int, profile_id: int) -> None:
    async with db.write() as conn:
        count = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(profiles)
                .where(profiles.c.user_id == user_id)
            )
        ).scalar_one()
        result = await conn.execute(
            profiles.delete().where(profiles.c.id == profile_id, profiles.c.user_id == user_id)
        )
        if result.rowcount == 0:
            raise NotFound("No such profile.")
        if count <= 1:
            raise Conflict("An account needs at least one profile.")
        await bump(conn, "profile", [profile_id])
    forget_user(user_id)


async def profile_languages(db: Database) -> list[str]:
    """The artwork languages profiles chose (each once, most common first)."""
    count = sa.func.count()
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(profiles.c.language, count)
            .where(profiles.c.language.is_not(None))
            .group_by(profiles.c.language)
            .order_by(count.desc(), profiles.c.language)
        )
        return [r[0] for r in rows]


async def check_profile_pin(db: Database, user_id: int, profile_id: int, pin: str) -> bool:
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(profiles.c.pin_hash).where(
                    profiles.c.id == profile_id, profiles.c.user_id == user_id
                )
            )
        ).first()
    if row is None:
        raise NotFound("No such profile.")
    if row.pin_hash is None:
        return True
    return await verify_secret(row.pin_hash, pin)
