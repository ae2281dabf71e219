"""Search over titles that matches inside words and forgives one typo, on both backends.

The index (written by `search_index`) holds one folded document per title: its names and year,
its people, its episode names and its description. SQLite keeps it in an FTS5 table with the
trigram tokenizer, PostgreSQL in a table with a pg_trgm GIN index; either answers "contains this
substring" from the index. A typed word of four letters or more that matches little is also
looked for as the known words one edit away from it (`search_word_variants`: every word with each
of its letters deleted, so the candidates are an index lookup), and those results follow the
exact ones. Queries whose words are all shorter than the trigram's three letters match titles
with a word starting with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.search_index import (
    MIN_TYPO_WORD,
    WORD_RE,
    deletions,
    fold,
    make_document,
    remove_title,
    write_documents,
)
from mediaserver.db.search_schema import search_word_variants

MAX_TERMS = 8
TRIGRAM = 3  # the shortest substring the index can answer
# Below this many exact matches, typo corrections are looked for too.
FEW_MATCHES = 10
MAX_CORRECTIONS = 6

__all__ = ["SearchMatches", "find", "index_title", "remove_title", "search_terms"]

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE title_search USING fts5("
    "title, people, episodes, description, tokenize = 'trigram')"
)
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE title_search ("
    "title_id INTEGER PRIMARY KEY REFERENCES titles(id) ON DELETE CASCADE, "
    "title TEXT NOT NULL, document TEXT NOT NULL)",
    "CREATE INDEX ix_title_search_document ON title_search USING GIN (document gin_trgm_ops)",
    "CREATE INDEX ix_title_search_title ON title_search USING GIN (title gin_trgm_ops)",
)


def create_statements(dialect: str) -> list[str]:
    """DDL for the search index on this dialect (used by the migration)."""
    return [SQLITE_DDL] if dialect == "sqlite" else list(POSTGRES_DDL)


@dataclass(frozen=True, slots=True)
class SearchMatches:
    """Title ids best first, the typo corrections used, and whether the query was too short to
    search inside words (then only word starts of titles matched)."""

    ids: list[int]
    corrections: dict[str, str]
    short: bool


def search_terms(query: str) -> list[str]:
    """The folded words of a query (letters and digits only)."""
    return WORD_RE.findall(fold(query))[:MAX_TERMS]


async def index_title(
    conn: AsyncConnection,
    title_id: int,
    title: str,
    description: str,
    people: list[str],
    episodes: list[str] | None = None,
    year: int | None = None,
) -> None:
    """Insert or replace the search document of one title."""
    doc = make_document(title_id, title, description, people, episodes or (), year=year)
    await write_documents(conn, [doc])


def within_one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of two neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


async def corrections(conn: AsyncConnection, terms: list[str]) -> dict[str, list[str]]:
    """For each typed word that is not itself a known word, the known words one edit away (none
    for short words), in one lookup."""
    wanted = {t: deletions(t) | {t} for t in terms if len(t) >= MIN_TYPO_WORD}
    if not wanted:
        return {}
    v = search_word_variants.c
    variants = sorted(set().union(*wanted.values()))
    rows = await conn.execute(sa.select(v.word).distinct().where(v.variant.in_(variants)))
    known = {w for (w,) in rows}
    return {
        t: [] if t in known else sorted(w for w in known if within_one_edit(t, w))[:MAX_CORRECTIONS]
        for t in wanted
    }


def _conditions(
    dialect: str, column: str, groups: list[list[str]], short: list[str]
) -> tuple[str, dict[str, object]]:
    """WHERE text (and its parameters) for: `column` holds one string of each group, and every
    short string. On SQLite `column` is an FTS5 column filter ("title") or "" for any column."""
    params: dict[str, object] = {}
    if dialect == "sqlite":
        match = " AND ".join("(" + " OR ".join(f'"{s}"' for s in g) + ")" for g in groups)
        params["q"] = f"{{{column}}} : ({match})" if column else match
        where = ["title_search MATCH :q"]
        text = "title" if column else "title || ' ' || people || ' ' || episodes"
        for i, s in enumerate(short):
            params[f"s{i}"] = s
            where.append(f"instr({text}, :s{i}) > 0")
        return " AND ".join(where), params
    where = []
    for gi, g in enumerate(groups):
        for si, s in enumerate(g):
            params[f"g{gi}_{si}"] = f"%{s}%"
        where.append("(" + " OR ".join(f"{column} LIKE :g{gi}_{si}" for si in range(len(g))) + ")")
    for i, s in enumerate(short):
        params[f"s{i}"] = f"%{s}%"
        where.append(f"{column} LIKE :s{i}")
    return " AND ".join(where), params


async def _matching(
    conn: AsyncConnection, groups: list[list[str]], short: list[str], limit: int
) -> list[int]:
    """Titles containing, for each group, one of its strings (3+ letters), and every short
    string. Matches in the title come first (those starting with the first word, then the
    shortest titles: the closest to what was typed); then matches anywhere else, unranked,
    which lets the index stop early on a common piece of a word."""
    dialect = conn.dialect.name
    key = "rowid" if dialect == "sqlite" else "title_id"
    starts = "instr(title, :first) = 1" if dialect == "sqlite" else "strpos(title, :first) = 1"
    where, params = _conditions(dialect, "title", groups, short)
    params |= {"first": groups[0][0], "limit": limit}
    sql = (
        f"SELECT {key} FROM title_search WHERE {where} "
        f"ORDER BY {starts} DESC, length(title), {key} LIMIT :limit"
    )
    ids = [r[0] for r in await conn.execute(sa.text(sql), params)]
    if len(ids) >= limit:
        return ids
    where, params = _conditions(dialect, "" if dialect == "sqlite" else "document", groups, short)
    params["limit"] = limit
    sql = f"SELECT {key} FROM title_search WHERE {where} LIMIT :limit"
    seen = set(ids)
    rest = [r[0] for r in await conn.execute(sa.text(sql), params) if r[0] not in seen]
    return ids + rest[: limit - len(ids)]


async def _word_starts(conn: AsyncConnection, terms: list[str], limit: int) -> list[int]:
    """Titles with a word starting with each of these (short) terms, by title."""
    key = "rowid" if conn.dialect.name == "sqlite" else "title_id"
    where = " AND ".join(f"(' ' || title) LIKE :w{i}" for i in range(len(terms)))
    rows = await conn.execute(
        sa.text(f"SELECT {key} FROM title_search WHERE {where} ORDER BY title LIMIT :limit"),
        {f"w{i}": f"% {t}%" for i, t in enumerate(terms)} | {"limit": limit},
    )
    return [r[0] for r in rows]


async def find(conn: AsyncConnection, query: str, limit: int = 50) -> SearchMatches:
    """Titles matching every word of `query` inside a word, then with one typo forgiven."""
    terms = search_terms(query)
    long = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
    if not terms:
        return SearchMatches([], {}, False)
    if not long:
        return SearchMatches(await _word_starts(conn, short, limit), {}, True)
    ids = await _matching(conn, [[t] for t in long], short, limit)
    if len(ids) >= FEW_MATCHES:
        return SearchMatches(ids, {}, False)
    fixes = await corrections(conn, long)
    used = {t: ", ".join(f) for t, f in fixes.items() if f}
    if not used:
        return SearchMatches(ids, {}, False)
    more = await _matching(conn, [[t, *fixes.get(t, [])] for t in long], short, limit)
    seen = set(ids)
    return SearchMatches(ids + [i for i in more if i not in seen][: limit - len(ids)], used, False)


async def search_title_ids(conn: AsyncConnection, query: str, limit: int = 50) -> list[int]:
    """Ids of titles matching every word of `query`, best first."""
    return (await find(conn, query, limit)).ids
