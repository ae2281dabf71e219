"""The audit log: one row per admin action (users, roles, settings, API keys, libraries, stream
stops, deletions). Rows are only ever added; secrets never reach them (callers redact).

Times are UTC epoch seconds. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    # Kept when the user is deleted: the log must still say who did it.
    sa.Column("actor_id", sa.Integer, nullable=True),
    sa.Column("actor_name", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    # Dotted verb, e.g. "settings.change", "user.delete", "stream.stop".
    sa.Column("action", sa.String(64), nullable=False),
    # What was acted on, readable: "user alice", "streaming.max_sessions".
    sa.Column("target", sa.String(255), nullable=False, server_default=""),
    # JSON text: {"old": ..., "new": ...} or other details; secrets already redacted.
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
)
sa.Index("ix_audit_log_at", audit_log.c.at)
sa.Index("ix_audit_log_action_at", audit_log.c.action, audit_log.c.at)
