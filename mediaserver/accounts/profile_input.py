"""Profile fields from a form or JSON body, and the rules the account area enforces on them.

Shared by the HTML pages (settings_routes.py) and the JSON API (settings_api_routes.py). Only the
fields named here are read, so extra fields such as `role` or `user_id` are never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.limits import effective_limits
from mediaserver.accounts.profiles import (
    AVATARS,
    KIDS_DEFAULT_RATING,
    RATINGS,
    Profile,
    check_rating,
    create_profile,
    delete_profile,
    get_profile,
    list_profiles,
    update_profile,
)
from mediaserver.errors import Forbidden
from mediaserver.http.forms import bool_field, text_field
from mediaserver.keys import config_key, db_key


def guard_kids(request: web.Request) -> None:
    """A kids profile must not be able to lift its own limits or manage the account."""
    profile = get_identity(request).profile
    if profile is not None and profile.is_kids:
        raise Forbidden("Switch to a grown-up profile to manage the account.")


@dataclass(frozen=True, slots=True)
class ProfileFields:
    """What was submitted for a profile, not yet checked (profiles.py checks each value)."""

    name: str
    avatar: str
    is_kids: bool
    max_rating: str
    pin: str | None
    clear_pin: bool
    language: str = ""  # empty: the server's language

    @property
    def changes_pin(self) -> bool:
        return self.pin is not None or self.clear_pin


def profile_fields(data: dict[str, Any], existing: Profile | None = None) -> ProfileFields:
    """The profile fields from a form or JSON body; absent fields keep their current value.

    PIN: a non-empty `pin` sets it; the `clear_pin` checkbox or JSON `"pin": null` removes it.
    Only these names are read, so `role`, `user_id` and the like are ignored.
    """
    rating = (existing.max_rating or "") if existing else ""
    if "max_rating" in data and data["max_rating"] is None:  # JSON null: no cap
        data = {**data, "max_rating": ""}
    if "language" in data and data["language"] is None:  # JSON null: the server's language
        data = {**data, "language": ""}
    language = (existing.language or "") if existing else ""
    return ProfileFields(
        name=text_field(data, "name", default=existing.name if existing else "", max_length=200),
        avatar=text_field(
            data, "avatar", default=existing.avatar if existing else AVATARS[0], max_length=32
        ),
        is_kids=bool_field(data, "is_kids")
        if "is_kids" in data
        else bool(existing and existing.is_kids),
        max_rating=text_field(data, "max_rating", default=rating, max_length=16),
        pin=text_field(data, "pin", max_length=16).strip() or None,
        clear_pin=bool_field(data, "clear_pin") or ("pin" in data and data["pin"] is None),
        language=text_field(data, "language", default=language, max_length=32),
    )


def typed_values(data: dict[str, Any], existing: Profile | None) -> dict[str, Any]:
    """What the person typed, to show the form again after an error (never the PIN)."""

    def typed(name: str, default: str) -> str:
        value = data.get(name, default)
        return value[:200] if isinstance(value, str) else default

    return {
        "name": typed("name", existing.name if existing else ""),
        "avatar": typed("avatar", existing.avatar if existing else AVATARS[0]),
        "is_kids": bool_field(data, "is_kids"),
        "max_rating": typed("max_rating", ""),
        "language": typed("language", ""),
    }


def check_pin_change(
    request: web.Request, profile: Profile, changing: bool, *, limits: bool = False
) -> None:
    """Changing or removing an existing PIN, or the limits (kids, rating cap) of a profile with
    a PIN, needs that profile open (its PIN was entered).

    Otherwise anyone on the account's other profiles could lift the lock, or cap the locked
    grown-up profile to leave the account without an uncapped one (`check_within_own_cap`).
    API keys act as the whole account and are allowed.
    """
    identity = get_identity(request)
    if (
        profile.has_pin
        and (changing or limits)
        and identity.session is not None
        and identity.session.profile_id != profile.id
    ):
        what = "its limits" if limits and not changing else "or remove the PIN"
        raise Forbidden(
            f"Open this profile with its PIN first to change {what}.",
            field="max_rating" if limits and not changing else "pin",
        )


def _cap_rank(rating: str | None) -> int:
    """How much a rating cap lets through: no cap lets everything through."""
    return len(RATINGS) if rating is None else RATINGS.index(rating)


def _resulting_cap(fields: ProfileFields) -> str | None:
    """The cap the profile ends with (a kids profile without one gets the kids default)."""
    return check_rating(fields.max_rating) or (KIDS_DEFAULT_RATING if fields.is_kids else None)


async def check_within_own_cap(
    request: web.Request, fields: ProfileFields, existing: Profile | None = None
) -> None:
    """A profile with a rating cap cannot give a profile (a new one, another, or itself) a higher
    cap than its own, or none, while the account has a profile without a cap (the grown-up's,
    which can, after its PIN): otherwise whoever was given a capped profile could lift the cap
    by editing it or by making a new profile. Lowering caps and other changes stay allowed, and
    an account whose profiles are all capped is not stuck with its caps."""
    acting = get_identity(request).profile
    if acting is None or acting.max_rating is None:
        return
    before = existing.max_rating if existing is not None else acting.max_rating
    if _cap_rank(_resulting_cap(fields)) <= max(_cap_rank(before), _cap_rank(acting.max_rating)):
        return
    everyone = await list_profiles(request.app[db_key], acting.user_id)
    if all(p.max_rating is not None for p in everyone):
        return
    raise Forbidden(
        f"This profile is capped at {acting.max_rating}, so it cannot allow more than that; "
        "switch to a profile without a cap.",
        field="max_rating",
    )


async def _profile_limit(request: web.Request, user_id: int) -> int:
    """The most profiles this account may have: the server's limit, lowered by its limits
    (a plan's); refused with the way to more when the account already has that many."""
    server_limit = request.app[config_key].auth.max_profiles
    limits = await effective_limits(request.app, user_id)
    if not limits.max_profiles or limits.max_profiles >= server_limit:
        return server_limit
    have = len(await list_profiles(request.app[db_key], user_id))
    if have >= limits.max_profiles:
        plural = "profile" if limits.max_profiles == 1 else "profiles"
        hint = f" {limits.upgrade_hint}" if limits.upgrade_hint else ""
        raise Forbidden(f"Your account may have {limits.max_profiles} {plural}.{hint}")
    return limits.max_profiles


async def create_from_input(request: web.Request, data: dict[str, Any]) -> Profile:
    fields = profile_fields(data)
    await check_within_own_cap(request, fields)
    user_id = current_user_id(request)
    limit = await _profile_limit(request, user_id)
    return await create_profile(
        request.app[db_key],
        user_id,
        name=fields.name,
        avatar=fields.avatar,
        is_kids=fields.is_kids,
        max_rating=fields.max_rating,
        pin=fields.pin,
        limit=limit,
        language=fields.language,
    )


async def update_from_input(request: web.Request, profile_id: int, data: dict[str, Any]) -> Profile:
    db, user_id = request.app[db_key], current_user_id(request)
    existing = await get_profile(db, user_id, profile_id)  # 404 for another user's profile
    fields = profile_fields(data, existing)
    new_limits = (fields.is_kids, _resulting_cap(fields))
    limits = new_limits != (existing.is_kids, existing.max_rating)
    check_pin_change(request, existing, fields.changes_pin, limits=limits)
    await check_within_own_cap(request, fields, existing)
    return await update_profile(
        db,
        user_id,
        profile_id,
        name=fields.name,
        avatar=fields.avatar,
        is_kids=fields.is_kids,
        max_rating=fields.max_rating,
        pin=fields.pin,
        clear_pin=fields.clear_pin,
        language=fields.language,
    )


async def delete_checked(request: web.Request, profile_id: int) -> None:
    db, user_id = request.app[db_key], current_user_id(request)
    profile = await get_profile(db, user_id, profile_id)
    check_pin_change(request, profile, changing=profile.has_pin)
    await delete_profile(db, user_id, profile_id)
