"""Plans and payments: off by default, so everyone has everything."""

from __future__ import annotations

from pydantic import Field  # noqa: F401

from mediaserver.config.base import Section


class BillingSettings(Section):
    """Plans and payments: off by default, so everyone has everything."""
