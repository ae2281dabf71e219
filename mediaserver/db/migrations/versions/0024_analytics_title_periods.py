"""analytics: title-level period rollups

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 03:20:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
