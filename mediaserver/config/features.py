"""The features built on playing: watch-together rooms, analytics, metrics and social."""

from __future__ import annotations

from pydantic import Field, SecretStr

from mediaserver.config.base import Section


class WatchPartySettings(Section):
    max_rooms_per_user: int = Field(
        3, ge=1, le=100, description="Open watch-together rooms one user may host at once."
    )
    max_members: int = Field(
        20, ge=2, le=500, description="Members one watch-together room may have at once."
    )
    buffer_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="Default for new rooms: how long the room waits for a member who is "
        "buffering before it plays on without them (they catch up).",
    )
    empty_grace_seconds: float = Field(
        300.0, ge=10, description="A room with nobody connected closes after this long."
    )
    invite_hours: float = Field(
        24.0, gt=0, le=24 * 30, description="Default lifetime of a room invite link."
    )


class AnalyticsSettings(Section):
    keep_heartbeats_days: float = Field(
        30.0,
        ge=1,
        description="Raw progress heartbeats are kept this long, then only their hourly and "
        "daily rollups remain.",
    )
    rollup_minutes: float = Field(
        5.0, ge=1, le=1440, description="How often new events are rolled up into the hourly tables."
    )
    heartbeat_flush_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Players' position reports are written to the database together, at most "
        "this many seconds after they arrive.",
    )


class MetricsSettings(Section):
    enabled: bool = Field(True, description="Serve /metrics in the Prometheus text format.")
    token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token a scraper must send (Authorization: Bearer ...). Empty: "
        "/metrics answers only the addresses in allowed_addresses.",
    )
    allowed_addresses: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses/CIDRs that may scrape /metrics without the token.",
    )


class SocialSettings(Section):
    comments: bool = Field(
        True, description="Comments on title and episode pages (admins can also turn them off "
        "per library or per title)."
    )
    comments_per_minute: int = Field(
        5, ge=1, le=600, description="Comments one profile may post per minute (429 beyond)."
    )
    reactions_per_minute: int = Field(
        30, ge=1, le=600, description="Reactions one profile may send per minute (429 beyond)."
    )
    edit_minutes: float = Field(
        15.0, ge=0, le=1440, description="How long the author may edit a comment after posting."
    )
    clip_max_seconds: float = Field(
        60.0, ge=1, le=600, description="Longest clip a viewer may make."
    )
    public_clips: bool = Field(
        False,
        description="Let clip owners share clips publicly: the link then plays without an "
        "account (and reaches nothing else of the server).",
    )


