"""Writing the search index: one document per title (its names and year, people, episode
names, description) folded to lower case without accents, plus the typo vocabulary.

`reindex_titles` is the one entry point writers call after changing a title, its people or its
episodes; `remove_title` after deleting one. The statements are plain text SQL so the migration
that builds the index can run them on its synchronous connection too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import episodes, people, title_people, titles
from mediaserver.db.search_schema import search_word_variants
from mediaserver.db.upsert import dialect_insert

# Letters and digits only: no underscores or operators ever reach a MATCH or LIKE pattern.
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Typo tolerance is for words of this length and longer (shorter ones collide too much).
MIN_TYPO_WORD = 4
MAX_WORD = 64
_CHUNK = 500


def fold(text: str) -> str:
    """Lower case without accents: what is stored and what is searched for."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def deletions(word: str) -> set[str]:
    """The word with each one of its letters left out."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """The searchable text of one title, already folded."""

    title_id: int
    title: str  # title, original title and year
    people: str
    episodes: str  # episode names of a series
    description: str

    def vocabulary(self) -> set[str]:
        """Words a typo may be corrected to (not the description: too many, too noisy)."""
        text = f"{self.title} {self.people} {self.episodes}"
        return {w for w in WORD_RE.findall(text) if MIN_TYPO_WORD <= len(w) <= MAX_WORD}


def make_document(
    title_id: int,
    title: str,
    description: str = "",
    people_names: Iterable[str] = (),
    episode_names: Iterable[str] = (),
    original_title: str | None = None,
    year: int | None = None,
) -> SearchDocument:
    names = [title]
    if original_title and original_title != title:
        names.append(original_title)
    if year:
        names.append(str(year))
    return SearchDocument(
        title_id,
        fold(" ".join(names)),
        fold(" ".join(people_names)),
        fold(" ".join(n for n in episode_names if n)),
        fold(description or ""),
    )


def _document_statements(dialect: str) -> tuple[sa.TextClause, sa.TextClause]:
    if dialect == "sqlite":
        return (
            sa.text("DELETE FROM title_search WHERE rowid = :id"),
            sa.text(
                "INSERT INTO title_search (rowid, title, people, episodes, description) "
                "VALUES (:id, :title, :people, :episodes, :description)"
            ),
        )
    return (
        sa.text("DELETE FROM title_search WHERE title_id = :id"),
        sa.text(
            "INSERT INTO title_search (title_id, title, document) VALUES (:id, :title, "
            "CAST(:title AS TEXT) || ' ' || CAST(:people AS TEXT) || ' ' || "
            "CAST(:episodes AS TEXT) || ' ' || CAST(:description AS TEXT))"
        ),
    )


def _rows(docs: Sequence[SearchDocument]) -> tuple[list[dict], list[dict]]:
    params = [
        {"id": d.title_id, "title": d.title, "people": d.people}
        | {"episodes": d.episodes, "description": d.description}
        for d in docs
    ]
    variants = {(v, w) for d in docs for w in d.vocabulary() for v in deletions(w) | {w}}
    return params, [{"variant": v, "word": w} for v, w in sorted(variants)]


async def write_documents(conn: AsyncConnection, docs: Sequence[SearchDocument]) -> None:
    """Insert or replace these documents and add their words to the vocabulary."""
    if not docs:
        return
    delete, insert = _document_statements(conn.dialect.name)
    params, variants = _rows(docs)
    await conn.execute(delete, [{"id": p["id"]} for p in params])
    await conn.execute(insert, params)
    if variants:
        stmt = dialect_insert(conn, search_word_variants).on_conflict_do_nothing()
        await conn.execute(stmt, variants)


def write_documents_sync(conn: Connection, docs: Sequence[SearchDocument]) -> None:
    """The same as `write_documents`, on a synchronous connection (migrations)."""
    if not docs:
        return
    delete, insert = _document_statements(conn.dialect.name)
    params, variants = _rows(docs)
    conn.execute(delete, [{"id": p["id"]} for p in params])
    conn.execute(insert, params)
    if variants:
        builder = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(builder(search_word_variants).on_conflict_do_nothing(), variants)


def document_queries(ids: Sequence[int]) -> tuple[sa.Select, sa.Select, sa.Select]:
    """Titles, their people, and their episode names, for these title ids."""
    return (
        sa.select(
            titles.c.id, titles.c.title, titles.c.original_title, titles.c.year,
            titles.c.description,
        ).where(titles.c.id.in_(ids)),
        sa.select(title_people.c.title_id, people.c.name)
        .join(people, people.c.id == title_people.c.person_id)
        .where(title_people.c.title_id.in_(ids))
        .order_by(title_people.c.title_id, title_people.c.position),
        sa.select(episodes.c.series_id, episodes.c.title)
        .where(episodes.c.series_id.in_(ids), episodes.c.title.is_not(None))
        .order_by(episodes.c.series_id, episodes.c.season_number, episodes.c.episode_number),
    )  # fmt: skip


def build_documents(
    title_rows: Iterable[sa.Row], people_rows: Iterable[sa.Row], episode_rows: Iterable[sa.Row]
) -> list[SearchDocument]:
    names: dict[int, list[str]] = {}
    for tid, name in people_rows:
        names.setdefault(tid, []).append(name)
    eps: dict[int, list[str]] = {}
    for sid, name in episode_rows:
        eps.setdefault(sid, []).append(name)
    return [
        make_document(tid, title, description, names.get(tid, ()), eps.get(tid, ()), orig, year)
        for tid, title, orig, year, description in title_rows
    ]


async def reindex_titles(conn: AsyncConnection, title_ids: Sequence[int]) -> None:
    """Rewrite the search documents of these titles from the catalog tables."""
    for part in range(0, len(title_ids), _CHUNK):
        ids = list(title_ids[part : part + _CHUNK])
        t, p, e = document_queries(ids)
        rows = (await conn.execute(t)).all()
        docs = build_documents(rows, (await conn.execute(p)).all(), (await conn.execute(e)).all())
        await write_documents(conn, docs)


def reindex_all_sync(conn: Connection) -> None:
    """Build every title's document (the migration that creates the index)."""
    all_ids = [r[0] for r in conn.execute(sa.select(titles.c.id).order_by(titles.c.id))]
    for part in range(0, len(all_ids), _CHUNK):
        t, p, e = document_queries(all_ids[part : part + _CHUNK])
        rows = conn.execute(t).all()
        docs = build_documents(rows, conn.execute(p).all(), conn.execute(e).all())
        write_documents_sync(conn, docs)


async def remove_title(conn: AsyncConnection, title_id: int) -> None:
    """Drop a deleted title's document (FTS5 has no foreign key to cascade it on SQLite)."""
    delete, _ = _document_statements(conn.dialect.name)
    await conn.execute(delete, {"id": title_id})
