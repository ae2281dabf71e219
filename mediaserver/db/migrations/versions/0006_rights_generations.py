"""rights generations: media tokens refused once a user's, profile's or file's rights change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_generations",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('user', 'profile', 'file')", name=op.f("ck_rights_generations_kind")
        ),
        sa.PrimaryKeyConstraint("kind", "subject_id", name=op.f("pk_rights_generations")),
    )
    with op.batch_alter_table("rights_generations", schema=None) as batch_op:
        batch_op.create_index("ix_rights_generations_changed_at", ["changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rights_generations", schema=None) as batch_op:
        batch_op.drop_index("ix_rights_generations_changed_at")
    op.drop_table("rights_generations")
