"""The comments API's bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.social.comments.records import Comment
from mediaserver.social.comments.text import MAX_CHARS


class CommentOut(ApiModel):
    id: int
    title_id: int
    episode_id: int | None
    parent_id: int | None = Field(description="The top-level comment a reply belongs to.")
    author: str = Field(description="The profile name; empty for a deleted or hidden comment.")
    avatar: str
    text: str = Field(description="Plain text as typed; escape it wherever it is shown.")
    created_at: float = Field(description="Unix time.")
    edited_at: float | None
    deleted: bool
    hidden: bool
    like_count: int
    reply_count: int
    liked: bool = Field(description="This profile likes it.")
    mine: bool
    may_edit: bool
    replies: list[CommentOut] = Field(default_factory=list)

    @classmethod
    def of(cls, c: Comment) -> CommentOut:
        return cls(
            id=c.id,
            title_id=c.title_id,
            episode_id=c.episode_id,
            parent_id=c.parent_id,
            author=c.author,
            avatar=c.avatar,
            text=c.text,
            created_at=c.created_at,
            edited_at=c.edited_at,
            deleted=c.deleted,
            hidden=c.hidden,
            like_count=c.like_count,
            reply_count=c.reply_count,
            liked=c.liked,
            mine=c.mine,
            may_edit=c.may_edit,
            replies=[cls.of(r) for r in c.replies],
        )


class CommentListOut(ApiModel):
    comments: list[CommentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    enabled: bool = Field(description="Comments are on here (new ones may be posted).")


class CommentEnvelope(ApiModel):
    comment: CommentOut


class CreateCommentBody(ApiModel):
    # The length limit is checked after invisible characters are removed (422 beyond it).
    text: str = Field(description=f"Up to {MAX_CHARS} characters.")
    episode_id: int | None = Field(None, ge=1, le=2**31, description="An episode of a series.")
    parent_id: int | None = Field(None, ge=1, le=2**31, description="Reply to this comment.")


class EditCommentBody(ApiModel):
    text: str


class ReportBody(ApiModel):
    reason: str = Field("", max_length=500)


class ModerateBody(ApiModel):
    action: Literal["hide", "unhide", "delete", "dismiss"]


class SwitchBody(ApiModel):
    comments: bool = Field(description="False turns comments off.")


class BlockBody(ApiModel):
    blocked: bool
