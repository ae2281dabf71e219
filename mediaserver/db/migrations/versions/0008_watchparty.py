"""watch-together rooms, members, invites and chat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("host_user_id", sa.Integer(), nullable=False),
        sa.Column("host_profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("control", sa.String(length=16), server_default="host", nullable=False),
        sa.Column("buffer_wait_seconds", sa.Float(), nullable=False),
        sa.Column("playing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.Float(), server_default="0", nullable=False),
        sa.Column("at_ms", sa.Float(), nullable=False),
        sa.Column("rate", sa.Float(), server_default="1", nullable=False),
        sa.Column("seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_active_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.CheckConstraint("control IN ('host', 'everyone')", name=op.f("ck_rooms_control")),
        _fk("rooms", "host_user_id", "users", "CASCADE"),
        _fk("rooms", "host_profile_id", "profiles", "CASCADE"),
        _fk("rooms", "media_file_id", "media_files", "CASCADE"),
        _fk("rooms", "title_id", "titles", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
    )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.create_index("ix_rooms_host_user_id", ["host_user_id"], unique=False)
        batch_op.create_index("ix_rooms_ended_at", ["ended_at"], unique=False)

    op.create_table(
        "room_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("removed_at", sa.Float(), nullable=True),
        sa.Column("joined_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        _fk("room_members", "room_id", "rooms", "CASCADE"),
        _fk("room_members", "user_id", "users", "CASCADE"),
        _fk("room_members", "profile_id", "profiles", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_members")),
        sa.UniqueConstraint("room_id", "profile_id", name="uq_room_members_room_profile"),
    )
    with op.batch_alter_table("room_members", schema=None) as batch_op:
        batch_op.create_index("ix_room_members_profile_id", ["profile_id"], unique=False)

    op.create_table(
        "room_invites",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("single_use", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        _fk("room_invites", "room_id", "rooms", "CASCADE"),
        _fk("room_invites", "created_by", "users", "CASCADE"),
        _fk("room_invites", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_invites")),
    )
    with op.batch_alter_table("room_invites", schema=None) as batch_op:
        batch_op.create_index("ix_room_invites_room_id", ["room_id"], unique=False)
        batch_op.create_index("ix_room_invites_user_id", ["user_id"], unique=False)

    op.create_table(
        "room_chat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("profile_name", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        _fk("room_chat", "room_id", "rooms", "CASCADE"),
        _fk("room_chat", "member_id", "room_members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_chat")),
    )
    with op.batch_alter_table("room_chat", schema=None) as batch_op:
        batch_op.create_index("ix_room_chat_room_id", ["room_id", "id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("room_chat", ["ix_room_chat_room_id"]),
        ("room_invites", ["ix_room_invites_user_id", "ix_room_invites_room_id"]),
        ("room_members", ["ix_room_members_profile_id"]),
        ("rooms", ["ix_rooms_ended_at", "ix_rooms_host_user_id"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        op.drop_table(table)
