"""The limits form of the admin's user page, read into EffectiveLimits."""

from __future__ import annotations

from typing import Any

from mediaserver.accounts.limits import MAX_HEIGHT, MAX_STREAMS, EffectiveLimits
from mediaserver.errors import BadRequest
from mediaserver.http.forms import bool_field, text_field

LIBRARY_FIELD = "library_"  # one checkbox per library: library_<id>


def _count(data: dict[str, Any], name: str, highest: int, what: str) -> int:
    raw = text_field(data, name, max_length=8).strip()
    if raw in ("", "0"):
        return 0
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise BadRequest(
            f"{what} must be a whole number from 1 to {highest}, or empty.", field=name
        )
    return int(raw)


def _library_ids(data: dict[str, Any]) -> frozenset[int]:
    ids = set()
    for key in data:
        raw = key[len(LIBRARY_FIELD) :]
        wanted = key.startswith(LIBRARY_FIELD) and bool_field(data, key)
        if wanted and raw.isascii() and raw.isdigit() and len(raw) < 18:
            ids.add(int(raw))
    return frozenset(ids)


def limits_from_form(data: dict[str, Any]) -> EffectiveLimits:
    """The limits the form asks for; a bad value is a 400 naming its field."""
    scope = text_field(data, "libraries", default="all", max_length=8)
    if scope not in ("all", "some"):
        raise BadRequest("Choose all libraries or some of them.", field="libraries")
    ids = _library_ids(data) if scope == "some" else None
    if ids is not None and not ids:
        raise BadRequest("Tick at least one library, or choose all libraries.", field="libraries")
    return EffectiveLimits(
        library_ids=ids,
        max_height=_count(data, "max_height", MAX_HEIGHT, "The highest quality"),
        max_streams=_count(data, "max_streams", MAX_STREAMS, "Streams at once"),
        may_download=bool_field(data, "may_download"),
    )
