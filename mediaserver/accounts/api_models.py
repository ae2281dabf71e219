"""Bodies of the accounts JSON API (who am I, profiles, devices, and the admin's users and API
keys), as the OpenAPI document describes them. Answers never carry a hash or a CSRF token.

The handlers still read their input field by field (`http.forms`), so the error messages people
see stay as they were; the body models here describe what those handlers accept.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import Field

from mediaserver.accounts.api_keys import ApiKey, NewApiKey
from mediaserver.accounts.profiles import LANGUAGES, Avatar, Profile, Rating
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import Role, User
from mediaserver.http.api import ApiModel

# A known ISO 639-1 code, or "" for the server's language (built from the list profiles.py checks).
ProfileLanguage = Literal[("", *sorted(LANGUAGES))]  # type: ignore[valid-type]
LANGUAGE_HELP = (
    "ISO 639-1 code of the language whose posters and logos this profile sees first "
    '(e.g. "fr"); null or "": the server\'s language.'
)

# ----- answers -----


class UserOut(ApiModel):
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: float = Field(description="Unix time.")

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls.model_validate(asdict(user))


class UserListOut(ApiModel):
    users: list[UserOut]


class ProfileOut(ApiModel):
    id: int
    user_id: int
    name: str
    avatar: Avatar
    is_kids: bool
    max_rating: Rating | None = Field(description="The highest rating this profile may watch.")
    has_pin: bool
    created_at: float = Field(description="Unix time.")
    language: str | None = Field(description=LANGUAGE_HELP)

    @classmethod
    def of(cls, profile: Profile) -> ProfileOut:
        return cls.model_validate(asdict(profile))


class ProfileListOut(ApiModel):
    profiles: list[ProfileOut]


class MeOut(ApiModel):
    user: UserOut
    profile: ProfileOut | None = Field(description="The chosen profile; null before choosing.")
    via_api_key: bool


class DeviceSessionOut(ApiModel):
    id: int
    user_id: int
    profile_id: int | None
    device_name: str
    ip_address: str
    created_at: float = Field(description="Unix time.")
    last_seen_at: float = Field(description="Unix time.")
    expires_at: float = Field(description="Unix time.")
    current: bool = Field(description="True for the session making this request.")

    @classmethod
    def of(cls, session: DeviceSession, current_id: int | None) -> DeviceSessionOut:
        return cls.model_validate({**asdict(session), "current": session.id == current_id})


class DeviceSessionListOut(ApiModel):
    sessions: list[DeviceSessionOut]


class ApiKeyOut(ApiModel):
    id: int
    user_id: int = Field(description="The user the key acts as.")
    username: str
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    created_at: float = Field(description="Unix time.")
    last_used_at: float | None = Field(description="Unix time; null while never used.")

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls.model_validate(asdict(key))


class ApiKeyListOut(ApiModel):
    api_keys: list[ApiKeyOut]


class ApiKeyCreatedOut(ApiModel):
    key: str = Field(description="The full key, shown only in this answer.")
    api_key: ApiKeyOut

    @classmethod
    def of(cls, made: NewApiKey) -> ApiKeyCreatedOut:
        return cls(key=made.secret, api_key=ApiKeyOut.of(made.key))


# ----- request bodies -----


class ProfileCreateBody(ApiModel):
    name: str = Field(max_length=200, description="1-40 characters once spaces are tidied.")
    avatar: Avatar = "blue"
    is_kids: bool = False
    max_rating: Rating | None = Field(
        default=None, description="Null or absent: no cap (a kids profile gets PG)."
    )
    pin: str | None = Field(default=None, pattern="^[0-9]{4}$", description="4 digits.")
    language: ProfileLanguage | None = Field(default=None, description=LANGUAGE_HELP)


class ProfileUpdateBody(ApiModel):
    """Absent fields keep their value."""

    name: str | None = Field(default=None, max_length=200)
    avatar: Avatar | None = None
    is_kids: bool | None = None
    max_rating: Rating | None = Field(default=None, description="Null: no cap.")
    pin: str | None = Field(
        default=None, pattern="^[0-9]{4}$", description="4 digits; null removes the PIN."
    )
    clear_pin: bool = False
    language: ProfileLanguage | None = Field(
        default=None, description=LANGUAGE_HELP + " Absent: unchanged."
    )


class UserCreateBody(ApiModel):
    username: str = Field(max_length=64, description="Letters, digits or . _ - + @.")
    password: str = Field(min_length=8, max_length=256)
    role: Role = "user"


class UserUpdateBody(ApiModel):
    """Only these fields can be changed; any other is refused."""

    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(
        default=None, min_length=8, max_length=256, description="Signs the user out everywhere."
    )


class ApiKeyCreateBody(ApiModel):
    name: str = Field(max_length=200, description="1-80 characters once spaces are tidied.")
    user_id: int = Field(description="The user the key acts as.")
