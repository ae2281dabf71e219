"""The reactions API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.social.reactions.records import EMOJIS, Moment, Reaction, Strip


class ReactionCreate(ApiModel):
    position: float = Field(description="Seconds from the start of the title.")
    emoji: str = Field(max_length=16, description=f"One of {' '.join(EMOJIS)}.")


class ReactionOut(ApiModel):
    media_file_id: int
    second: int
    emoji: str
    counted: bool = Field(description="False when this profile already sent it this second.")

    @classmethod
    def of(cls, r: Reaction) -> ReactionOut:
        return cls(media_file_id=r.media_file_id, second=r.second, emoji=r.emoji,
                   counted=r.counted)  # fmt: skip


class StripOut(ApiModel):
    buckets: list[float] = Field(description="Smoothed reaction density per bucket, 0..1.")
    counts: list[int] = Field(description="Reactions per bucket.")
    bucket_seconds: float
    duration: float
    total: int
    emojis: list[str] = Field(description="The reactions a player offers.")

    @classmethod
    def of(cls, s: Strip) -> StripOut:
        return cls(buckets=s.buckets, counts=s.counts, bucket_seconds=s.bucket_seconds,
                   duration=s.duration, total=s.total, emojis=list(EMOJIS))  # fmt: skip


class MomentCreate(ApiModel):
    position: float = Field(description="Seconds from the start of the title.")
    text: str = Field(description="At most 500 characters; stored as typed, shown escaped.")


class MomentOut(ApiModel):
    id: int
    media_file_id: int
    author: str
    avatar: str
    position: float
    text: str = Field(description="As typed; escape it wherever it is shown.")
    created_at: float
    mine: bool

    @classmethod
    def of(cls, m: Moment) -> MomentOut:
        return cls(id=m.id, media_file_id=m.media_file_id, author=m.author, avatar=m.avatar,
                   position=m.position, text=m.text, created_at=m.created_at,
                   mine=m.mine)  # fmt: skip


class MomentList(ApiModel):
    moments: list[MomentOut]
