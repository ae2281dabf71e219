"""search index: trigram full text (FTS5 trigram on SQLite, pg_trgm on PostgreSQL) with
episode names and years, and the typo vocabulary

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

from mediaserver.db.search import create_statements
from mediaserver.db.search_index import reindex_all_sync

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_word_variants",
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("variant", "word", name=op.f("pk_search_word_variants")),
    )
    bind = op.get_bind()
    op.execute("DROP TABLE IF EXISTS title_search")
    for statement in create_statements(bind.dialect.name):
        op.execute(statement)
    reindex_all_sync(bind)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS title_search")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE title_search USING fts5("
            "title, description, people, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE title_search ("
            "title_id INTEGER PRIMARY KEY REFERENCES titles(id) ON DELETE CASCADE, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_title_search_document ON title_search USING GIN (document)")
    op.drop_table("search_word_variants")
