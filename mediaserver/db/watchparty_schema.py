"""Watch-together tables: rooms (their playback state, so a restart resumes them), members,
invites (links and direct invitations of users) and chat.

Times are UTC epoch seconds, except `rooms.at_ms`: the server time in milliseconds at which the
stored position holds, as on the wire. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

rooms = sa.Table(
    "rooms",
    metadata,
    # secrets.token_urlsafe(9): 12 URL-safe characters.
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column(
        "host_user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "host_profile_id",
        sa.Integer,
        sa.ForeignKey("profiles.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="SET NULL")),
    # host | everyone: who may play, pause, seek, change speed and episode.
    sa.Column("control", sa.String(16), nullable=False, server_default="host"),
    sa.Column("buffer_wait_seconds", sa.Float, nullable=False),
    # The playback state: at server time at_ms the position is `position` seconds.
    sa.Column("playing", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("position", sa.Float, nullable=False, server_default="0"),
    sa.Column("at_ms", sa.Float, nullable=False),
    sa.Column("rate", sa.Float, nullable=False, server_default="1"),
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_active_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float, nullable=True),
    sa.CheckConstraint("control IN ('host', 'everyone')", name="control"),
)
sa.Index("ix_rooms_host_user_id", rooms.c.host_user_id)
sa.Index("ix_rooms_ended_at", rooms.c.ended_at)

room_members = sa.Table(
    "room_members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "room_id", sa.String(16), sa.ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "profile_id", sa.Integer, sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("muted", sa.Boolean, nullable=False, server_default=sa.false()),
    # Set when the host removed the member: it may not come back.
    sa.Column("removed_at", sa.Float, nullable=True),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.UniqueConstraint("room_id", "profile_id", name="uq_room_members_room_profile"),
)
sa.Index("ix_room_members_profile_id", room_members.c.profile_id)

room_invites = sa.Table(
    "room_invites",
    metadata,
    # The random part of an invite link (the link adds its signature).
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "room_id", sa.String(16), sa.ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    # Set for a direct invitation of one user of this server; NULL for a link anyone may use.
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("single_use", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("revoked_at", sa.Float, nullable=True),
)
sa.Index("ix_room_invites_room_id", room_invites.c.room_id)
sa.Index("ix_room_invites_user_id", room_invites.c.user_id)

room_chat = sa.Table(
    "room_chat",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "room_id", sa.String(16), sa.ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "member_id",
        sa.Integer,
        sa.ForeignKey("room_members.id", ondelete="SET NULL"),
        nullable=True,
    ),
    # The sender's profile name when it was sent: chat reads the same after a rename.
    sa.Column("profile_name", sa.String(40), nullable=False),
    # Plain text as typed; escaped wherever it is shown.
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
sa.Index("ix_room_chat_room_id", room_chat.c.room_id, room_chat.c.id)
