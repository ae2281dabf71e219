"""Fields the admin's pages and JSON API both read: a new user, a new API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediaserver.accounts.api_keys import NewApiKey, create_api_key
from mediaserver.db.engine import Database
from mediaserver.errors import BadRequest
from mediaserver.http.forms import text_field


@dataclass(frozen=True, slots=True)
class NewUserFields:
    username: str
    password: str
    role: str


def new_user_fields(data: dict[str, Any]) -> NewUserFields:
    return NewUserFields(
        text_field(data, "username", max_length=64),
        text_field(data, "password", max_length=256),
        text_field(data, "role", default="user", max_length=16),
    )


def _key_owner_id(data: dict[str, Any]) -> int:
    value = data.get("user_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 18:
        return int(value)
    raise BadRequest("Choose the user this key acts as.", field="user_id")


async def create_key_from_input(db: Database, data: dict[str, Any], actor_id: int) -> NewApiKey:
    """A key named and owned as the form or JSON body says, made by `actor_id`."""
    name = text_field(data, "name", max_length=200)
    return await create_api_key(db, _key_owner_id(data), name, actor_id)
