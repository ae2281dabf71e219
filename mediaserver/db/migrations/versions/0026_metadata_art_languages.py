"""metadata: the image languages a title's artwork was last fetched in

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metadata_matches") as batch:
        batch.add_column(sa.Column("art_languages", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metadata_matches") as batch:
        batch.drop_column("art_languages")
