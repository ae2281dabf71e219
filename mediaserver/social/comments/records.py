"""Typed records of the comments domain: threads, comments as a viewer sees them, reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mediaserver.accounts import Profile
from mediaserver.social.comments.text import Piece, pieces

Sort = Literal["new", "top"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who reads or writes: the acting profile, its account, and whether that is an admin."""

    profile: Profile
    is_admin: bool

    @property
    def user_id(self) -> int:
        return self.profile.user_id


@dataclass(frozen=True, slots=True)
class Thread:
    """The comments of one title, or of one episode of a series."""

    title_id: int
    title_name: str
    library_id: int
    episode_id: int | None
    episode_label: str | None
    # The file a playback time in a comment opens (None: nothing to play, no links).
    media_file_id: int | None

    @property
    def base(self) -> str:
        return f"/titles/{self.title_id}/comments"

    @property
    def query(self) -> str:
        return f"?episode={self.episode_id}" if self.episode_id else ""


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment as the viewer sees it: a deleted or hidden one keeps only its place."""

    id: int
    title_id: int
    episode_id: int | None
    parent_id: int | None
    profile_id: int
    author: str
    avatar: str
    text: str
    created_at: float
    edited_at: float | None
    deleted: bool
    hidden: bool
    like_count: int
    reply_count: int
    liked: bool
    mine: bool
    may_edit: bool
    replies: list[Comment] = field(default_factory=list)

    @property
    def pieces(self) -> list[Piece]:
        return pieces(self.text)


@dataclass(frozen=True, slots=True)
class Page:
    comments: list[Comment]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Reported:
    """A comment with open reports, for the moderation page."""

    comment: Comment
    title_name: str
    author_user_id: int
    author_username: str
    reports: int
    reasons: list[str]
    last_reported_at: float
    author_blocked: bool
