"""What every settings section shares: unknown keys are refused, assignments are validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(Exception):
    """A configuration problem a person can fix; the message says what and where."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
