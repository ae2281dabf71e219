"""Downloads and titles saved in the browser for offline viewing."""

from __future__ import annotations

from pydantic import Field  # noqa: F401

from mediaserver.config.base import Section


class OfflineSettings(Section):
    """Downloads and titles saved in the browser for offline viewing."""
