"""What a client may send over the room WebSocket: one pydantic model per message type, read
through one discriminated union, so a message is either fully valid or answered with an error
naming what is wrong."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

REACTIONS = ("👍", "😂", "😮", "😢", "❤️", "🔥", "👏", "🎉")
Position = Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]
MemberId = Annotated[int, Field(ge=1, le=2**31)]
# Taken out of chat text: bidi embeddings, overrides and isolates (they would reorder what
# follows them on screen, "invoice\u202egpj.exe"), invisible spaces and joiners that pad or
# hide text, and control characters (line breaks and tabs become spaces: chat is one line).
# ZWJ and ZWNJ stay: emoji sequences and some scripts need them.
_INVISIBLE: dict[int, str | None] = dict.fromkeys(
    [*range(0x00, 0x20), *range(0x7F, 0xA0), 0xAD, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F,
     *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFC)]
) | dict.fromkeys(range(0x09, 0x0E), " ")  # fmt: skip


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Ping(_Message):
    type: Literal["ping"]
    id: int = Field(ge=0, le=2**53)
    t0: float = Field(allow_inf_nan=False)
    # The client's latest measured round trip, so commands can be scheduled far enough ahead.
    rtt: float | None = Field(None, ge=0, le=60_000, allow_inf_nan=False)


class Play(_Message):
    type: Literal["play"]


class Pause(_Message):
    type: Literal["pause"]


class Seek(_Message):
    type: Literal["seek"]
    position: Position


class Rate(_Message):
    type: Literal["rate"]
    rate: float = Field(ge=0.5, le=2.0, allow_inf_nan=False)


class Next(_Message):
    type: Literal["next"]


class Goto(_Message):
    type: Literal["goto"]
    media_file_id: MemberId


class Status(_Message):
    type: Literal["status"]
    state: Literal["watching", "paused", "buffering", "away"]
    position: Position
    rtt: float | None = Field(None, ge=0, le=60_000, allow_inf_nan=False)


class Chat(_Message):
    type: Literal["chat"]
    text: str = Field(min_length=1, max_length=500)

    @field_validator("text")
    @classmethod
    def _visible(cls, text: str) -> str:
        text = text.translate(_INVISIBLE)
        if not any(ch.isprintable() and not ch.isspace() for ch in text):
            raise ValueError("a chat message needs some visible text")
        return text


class Reaction(_Message):
    type: Literal["reaction"]
    emoji: Literal["👍", "😂", "😮", "😢", "❤️", "🔥", "👏", "🎉"]


class Host(_Message):
    type: Literal["host"]
    member_id: MemberId


class Mute(_Message):
    type: Literal["mute"]
    member_id: MemberId
    muted: bool


class Remove(_Message):
    type: Literal["remove"]
    member_id: MemberId


class End(_Message):
    type: Literal["end"]


class Settings(_Message):
    type: Literal["settings"]
    control: Literal["host", "everyone"]
    buffer_wait_seconds: float = Field(ge=0, le=60, allow_inf_nan=False)


ClientMessage = Annotated[
    Ping | Play | Pause | Seek | Rate | Next | Goto | Status | Chat | Reaction | Host | Mute
    | Remove | End | Settings,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
TYPES = frozenset(
    ("ping", "play", "pause", "seek", "rate", "next", "goto", "status", "chat", "reaction",
     "host", "mute", "remove", "end", "settings")
)
# Messages that change playback: they share one rate limit.
CONTROL = frozenset(("play", "pause", "seek", "rate", "next", "goto"))
HOST_ONLY = frozenset(("host", "mute", "remove", "end", "settings"))


class BadMessage(Exception):
    """A message that cannot be used; `code` and the text go back to the client as an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse(text: str) -> ClientMessage:
    """One client message, validated; BadMessage says why not."""
    try:
        data = json.loads(text)
    except ValueError:
        raise BadMessage("bad_json", "The message is not JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage("bad_message", "A message is a JSON object with a 'type'.")
    if data["type"] not in TYPES:
        raise BadMessage("unknown_type", f"Unknown message type {data['type'][:40]!r}.")
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "message"
        raise BadMessage("bad_field", f"{where}: {first['msg']}.") from None
