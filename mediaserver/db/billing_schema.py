"""Tables of the billing feature, in SQLAlchemy Core (one schema for SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from mediaserver.db.metadata import metadata  # noqa: F401
