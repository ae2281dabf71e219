"""Per-user limits an admin sets: which libraries an account may see, the highest video height
it may play, how many streams it may run at once and whether it may download originals.

A user without a `user_limits` row has no limits. `user_library_access` lists the libraries of
a user whose `all_libraries` is false (none listed: nothing to see). Every change here needs an
Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

user_limits = sa.Table(
    "user_limits",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("all_libraries", sa.Boolean, nullable=False, server_default=sa.true()),
    # Highest video height (pixels) the account may play; NULL: no cap.
    sa.Column("max_height", sa.Integer, nullable=True),
    # Plays at once across the account's devices; NULL: no limit.
    sa.Column("max_streams", sa.Integer, nullable=True),
    sa.Column("may_download", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", sa.Float, nullable=False),
)

user_library_access = sa.Table(
    "user_library_access",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "library_id",
        sa.Integer,
        sa.ForeignKey("libraries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.PrimaryKeyConstraint("user_id", "library_id", name="pk_user_library_access"),
)
