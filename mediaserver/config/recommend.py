"""Recommendations, tagging, poster tests and intro detection."""

from __future__ import annotations

from pydantic import Field  # noqa: F401

from mediaserver.config.base import Section


class RecommendSettings(Section):
    """Recommendations, tagging, poster tests and intro detection."""
