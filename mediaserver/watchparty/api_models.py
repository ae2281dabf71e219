"""The rooms API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel


class CreateRoomBody(ApiModel):
    media_file_id: int = Field(ge=1, le=2**31, description="The file the room starts with.")
    control: Literal["host", "everyone"] = Field(
        "host", description="Who may play, pause, seek and change speed or episode."
    )
    buffer_wait_seconds: float | None = Field(
        None, ge=0, le=60, description="How long the room waits for a buffering member."
    )


class RoomOut(ApiModel):
    id: str
    url: str = Field(description="The room page: the player with the room beside it.")
    media_file_id: int
    title_id: int | None
    title_name: str
    host_name: str
    control: Literal["host", "everyone"]
    buffer_wait_seconds: float
    playing: bool
    position: float = Field(description="Seconds, at server time `at`.")
    at: float = Field(description="Server time, epoch milliseconds.")
    rate: float
    seq: int
    created_at: float
    is_host: bool
    is_member: bool
    invited: bool = Field(description="Invited directly by the host; not joined yet.")


class RoomEnvelope(ApiModel):
    room: RoomOut


class RoomListOut(ApiModel):
    rooms: list[RoomOut]


class InviteBody(ApiModel):
    hours: float | None = Field(None, gt=0, le=24 * 30, description="Lifetime of the link.")
    single_use: bool = Field(False, description="The link lets one person in, once.")


class InviteOut(ApiModel):
    token: str
    url: str
    expires_at: float
    single_use: bool


class InviteEnvelope(ApiModel):
    invite: InviteOut


class MembersBody(ApiModel):
    user_ids: list[int] = Field(min_length=1, max_length=100, description="Users to invite.")


class MembersOut(ApiModel):
    invited: list[int]
