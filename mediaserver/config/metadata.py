"""Metadata providers: which are on, their keys, matching and refresh."""

from __future__ import annotations

from pydantic import Field  # noqa: F401

from mediaserver.config.base import Section


class MetadataSettings(Section):
    """Metadata providers: which are on, their keys, matching and refresh."""
