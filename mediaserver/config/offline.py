"""Downloads and titles saved in the browser for offline viewing."""

from __future__ import annotations

import os

from pydantic import Field

from mediaserver.config.base import Section


class OfflineSettings(Section):
    """Downloads and titles saved in the browser for offline viewing."""

    enabled: bool = Field(
        True,
        description="Offer MP4 downloads and saving titles in the browser for offline viewing "
        "(to accounts that may download).",
    )
    checkin_days: float = Field(
        7.0,
        ge=0.01,
        le=365,
        description="A saved title must check in online this often (days); it stops playing "
        "when a check-in is overdue, and is deleted when the right to it has ended.",
    )
    max_saved_titles: int = Field(
        25,
        ge=1,
        le=10_000,
        description="Downloads one account may hold at once (a plan or an admin's limit may "
        "lower it).",
    )
    url_minutes: float = Field(
        360.0,
        ge=1,
        le=7 * 24 * 60,
        description="How long a download URL works (minutes); rights are checked again on "
        "every request, whatever its age.",
    )
    keep_revoked_days: float = Field(
        30.0,
        ge=1,
        le=3650,
        description="Revoked and expired downloads are listed this long, then purged.",
    )
    max_source_encodes: int = Field(
        0,
        ge=0,
        le=256,
        description="Downloads encoded from a source file at once (titles without a ladder whose "
        "file does not fit MP4 or is above the chosen quality); others are queued and told so. "
        "0: one per two CPU cores. Copies without re-encoding are never queued.",
    )

    @property
    def source_encodes_at_once(self) -> int:
        """max_source_encodes, with 0 resolved for this machine."""
        return self.max_source_encodes or max(1, (os.cpu_count() or 2) // 2)
