"""Full-text search over titles: FTS5 on SQLite, tsvector + GIN on PostgreSQL, one interface.

The index holds one document per title (title, description, people). Callers keep it current
with `index_title` whenever a title's text changes; search returns title ids, best match first.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# Words only: quotes, operators and column filters in user input never reach the query syntax.
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE title_search USING fts5("
    "title, description, people, tokenize = 'unicode61 remove_diacritics 2')"
)
POSTGRES_DDL = (
    "CREATE TABLE title_search ("
    "title_id INTEGER PRIMARY KEY REFERENCES titles(id) ON DELETE CASCADE, "
    "document TSVECTOR NOT NULL)",
    "CREATE INDEX ix_title_search_document ON title_search USING GIN (document)",
)


def create_statements(dialect: str) -> list[str]:
    """DDL for the search index on this dialect (used by the migration)."""
    return [SQLITE_DDL] if dialect == "sqlite" else list(POSTGRES_DDL)


def search_terms(query: str) -> list[str]:
    return [t.lower() for t in _TOKEN_RE.findall(query)][:MAX_TERMS]


async def index_title(
    conn: AsyncConnection, title_id: int, title: str, description: str, people: list[str]
) -> None:
    """Insert or replace the search document of one title."""
    names = " ".join(people)
    if conn.dialect.name == "sqlite":
        await conn.execute(sa.text("DELETE FROM title_search WHERE rowid = :id"), {"id": title_id})
        await conn.execute(
            sa.text(
                "INSERT INTO title_search (rowid, title, description, people) "
                "VALUES (:id, :t, :d, :p)"
            ),
            {"id": title_id, "t": title, "d": description, "p": names},
        )
        return
    await conn.execute(
        sa.text(
            "INSERT INTO title_search (title_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', :t), 'A') || "
            "setweight(to_tsvector('simple', :p), 'B') || "
            "setweight(to_tsvector('simple', :d), 'C')) "
            "ON CONFLICT (title_id) DO UPDATE SET document = EXCLUDED.document"
        ),
        {"id": title_id, "t": title, "d": description, "p": names},
    )


async def remove_title(conn: AsyncConnection, title_id: int) -> None:
    column = "rowid" if conn.dialect.name == "sqlite" else "title_id"
    await conn.execute(sa.text(f"DELETE FROM title_search WHERE {column} = :id"), {"id": title_id})


async def search_title_ids(conn: AsyncConnection, query: str, limit: int = 50) -> list[int]:
    """Ids of titles matching every word of `query` (prefix match), best first."""
    terms = search_terms(query)
    if not terms:
        return []
    if conn.dialect.name == "sqlite":
        # Each term quoted as a string and prefix-matched: "star"* "wars"*
        match = " ".join('"' + t.replace('"', "") + '"*' for t in terms)
        rows = await conn.execute(
            sa.text(
                "SELECT rowid FROM title_search WHERE title_search MATCH :q "
                "ORDER BY bm25(title_search, 10.0, 1.0, 3.0) LIMIT :limit"
            ),
            {"q": match, "limit": limit},
        )
    else:
        tsquery = " & ".join(f"{t}:*" for t in terms)
        rows = await conn.execute(
            sa.text(
                "SELECT title_id FROM title_search WHERE document @@ to_tsquery('simple', :q) "
                "ORDER BY ts_rank(document, to_tsquery('simple', :q)) DESC LIMIT :limit"
            ),
            {"q": tsquery, "limit": limit},
        )
    return [r[0] for r in rows]
