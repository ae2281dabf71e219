"""Accounts, rights generations and jobs tables in SQLAlchemy Core; one schema for SQLite and
PostgreSQL.

Library and catalog tables are in db/catalog_schema.py.

Times are stored as UTC epoch seconds (float): the same on both backends, trivially comparable.
Every change here needs an Alembic migration in db/migrations/versions/.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    # Lower-cased copy: usernames are unique regardless of case.
    sa.Column("username_key", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, server_default="user"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.CheckConstraint("role IN ('admin', 'user')", name="role"),
)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("avatar", sa.String(32), nullable=False),
    sa.Column("is_kids", sa.Boolean, nullable=False, server_default=sa.false()),
    # Highest maturity rating this profile may see; NULL means no cap.
    sa.Column("max_rating", sa.String(16), nullable=True),
    sa.Column("pin_hash", sa.String(255), nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    # ISO 639-1 code ("fr") of the artwork this profile prefers; NULL: the server's language.
    sa.Column("language", sa.String(12), nullable=True),
    sa.UniqueConstraint("user_id", "name", name="uq_profiles_user_name"),
)
sa.Index("ix_profiles_user_id", profiles.c.user_id)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # SHA-256 of the cookie value: a leaked database does not leak live sessions.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "profile_id", sa.Integer, sa.ForeignKey("profiles.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("device_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("ip_address", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float, nullable=True),
)
sa.Index("ix_sessions_user_id", sessions.c.user_id)

# One row per user, profile or media file whose rights changed: media tokens carry the
# generations they were issued under and are refused once one of them moved on (db/rights.py).
rights_generations = sa.Table(
    "rights_generations",
    metadata,
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.Float, nullable=False),
    sa.PrimaryKeyConstraint("kind", "subject_id", name="pk_rights_generations"),
    sa.CheckConstraint("kind IN ('user', 'profile', 'file')", name="kind"),
)
sa.Index("ix_rights_generations_changed_at", rights_generations.c.changed_at)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    # Shown in lists so a key can be recognised; the rest is only ever shown once.
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float, nullable=True),
    sa.Column("revoked_at", sa.Float, nullable=True),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # queued -> running -> succeeded | failed | cancelled; running -> queued on retry/lease expiry
    sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False, server_default="5"),
    sa.Column("run_after", sa.Float, nullable=False),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_expires_at", sa.Float, nullable=True),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("progress", sa.Float, nullable=False, server_default="0"),
    sa.Column("fps", sa.Float, nullable=True),
    sa.Column("eta_seconds", sa.Float, nullable=True),
    sa.Column("message", sa.String(500), nullable=False, server_default=""),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float, nullable=True),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.CheckConstraint(
        "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="status"
    ),
)
sa.Index("ix_jobs_status_run_after", jobs.c.status, jobs.c.run_after)
sa.Index("ix_jobs_lease_expires_at", jobs.c.lease_expires_at)
