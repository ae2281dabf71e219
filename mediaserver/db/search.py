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

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
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

__all__ = [
    "SearchMatches", "find", "id_ranking", "index_title", "remove_title", "search_terms",
]  # fmt: skip

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


def id_ranking(dialect: str, ids: Sequence[int]) -> sa.Subquery:
    """A FROM-able list of (title_id, rank) for these ids in this order, sent as one parameter
    (a JSON array on SQLite, an integer array on PostgreSQL) rather than one per id: a
    statement can then filter, order and page the ranked titles itself, in one round trip."""
    if dialect == "sqlite":
        rows = sa.func.json_each(sa.bindparam("ranked_ids", json.dumps(list(ids))))
        listed = rows.table_valued("value", "key", name="ranked_list")
        return sa.select(listed.c.value.label("title_id"), listed.c.key.label("rank")).subquery(
            "ranking"
        )
    array = sa.bindparam("ranked_ids", list(ids), type_=postgresql.ARRAY(sa.Integer))
    listed = (
        sa.func.unnest(array)
        .table_valued("value", with_ordinality="rank")
        .render_derived(name="ranked_list")
    )
    return sa.select(listed.c.value.label("title_id"), listed.c.rank).subquery("ranking")


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
    dialect: str, column: str, groups: list[list[str]], short: list[str], prefix: str
) -> tuple[str, dict[str, object]]:
    """WHERE text (and its parameters, named from `prefix`) for: `column` holds one string of
    each group, and every short string. On SQLite `column` is an FTS5 column filter ("title")
    or "" for any column."""
    params: dict[str, object] = {}
    if dialect == "sqlite":
        match = " AND ".join("(" + " OR ".join(f'"{s}"' for s in g) + ")" for g in groups)
        params[f"{prefix}q"] = f"{{{column}}} : ({match})" if column else match
        where = [f"title_search MATCH :{prefix}q"]
        text = "title" if column else "title || ' ' || people || ' ' || episodes"
        for i, s in enumerate(short):
            params[f"{prefix}s{i}"] = s
            where.append(f"instr({text}, :{prefix}s{i}) > 0")
        return " AND ".join(where), params
    where = []
    for gi, g in enumerate(groups):
        names = [f"{prefix}g{gi}_{si}" for si in range(len(g))]
        params |= {name: f"%{s}%" for name, s in zip(names, g, strict=True)}
        where.append("(" + " OR ".join(f"{column} LIKE :{name}" for name in names) + ")")
    for i, s in enumerate(short):
        params[f"{prefix}s{i}"] = f"%{s}%"
        where.append(f"{column} LIKE :{prefix}s{i}")
    return " AND ".join(where), params


async def _matching(
    conn: AsyncConnection, groups: list[list[str]], short: list[str], limit: int
) -> list[int]:
    """Titles containing, for each group, one of its strings (3+ letters), and every short
    string. Matches in the title come first (those starting with the first word, then the
    shortest titles: the closest to what was typed); then matches anywhere else, unranked,
    which lets the index stop early on a common piece of a word. One statement: the second
    lookup runs only when the first found fewer than `limit` (a condition on the first's
    count that both databases check once, before reading the index)."""
    dialect = conn.dialect.name
    key = "rowid" if dialect == "sqlite" else "title_id"
    position = "instr" if dialect == "sqlite" else "strpos"
    starts = f"CASE WHEN {position}(title, :first) = 1 THEN 1 ELSE 0 END"
    in_title, params = _conditions(dialect, "title", groups, short, "t_")
    anywhere, more = _conditions(
        dialect, "" if dialect == "sqlite" else "document", groups, short, "a_"
    )
    params |= more | {"first": groups[0][0], "limit": limit}
    sql = (
        f"WITH in_title AS (SELECT {key} AS id, {starts} AS starts, length(title) AS size "
        f"FROM title_search WHERE {in_title} ORDER BY starts DESC, size, id LIMIT :limit) "
        f"SELECT id, 0 AS part, starts, size FROM in_title UNION ALL SELECT id, 1, 0, 0 FROM ("
        f"SELECT {key} AS id FROM title_search WHERE {anywhere} "
        f"AND (SELECT count(*) FROM in_title) < :limit LIMIT :limit) AS anywhere "
        f"ORDER BY part, starts DESC, size, id"
    )
    ids: list[int] = []
    seen: set[int] = set()
    for tid, *_ in await conn.execute(sa.text(sql), params):
        if tid not in seen:
            seen.add(tid)
            ids.append(tid)
    return ids[:limit]


async def _word_starts(conn: AsyncConnection, terms: list[str], limit: int) -> list[int]:
    """Titles with a word starting with each of these (short) terms, by title."""
    params: dict[str, object] = {f"w{i}": f"% {t}%" for i, t in enumerate(terms)}
    if conn.dialect.name == "sqlite":
        key = "rowid"
        where = " AND ".join(f"(' ' || title) LIKE :w{i}" for i in range(len(terms)))
    else:
        # Two patterns on the bare column, so the trigram index (its "  x" word-start
        # trigrams) can answer.
        key = "title_id"
        where = " AND ".join(f"(title LIKE :s{i} OR title LIKE :w{i})" for i in range(len(terms)))
        params |= {f"s{i}": f"{t}%" for i, t in enumerate(terms)}
    rows = await conn.execute(
        sa.text(f"SELECT {key} FROM title_search WHERE {where} ORDER BY title LIMIT :limit"),
        params | {"limit": limit},
    )
    return [r[0] for r in rows]


async def _prefer_index(conn: AsyncConnection) -> None:
    """PostgreSQL: make the planner use the trigram indexes for the lookups. It guesses the
    share of rows a LIKE matches without looking at the trigrams, and so reads the whole table
    for a rare word, many times slower than the index (for a common one both cost about the
    same). The setting lasts until the end of the caller's transaction: it is not set back,
    which would cost a round trip; what search runs after the lookup reads by key anyway."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))


async def find(conn: AsyncConnection, query: str, limit: int = 50) -> SearchMatches:
    """Titles matching every word of `query` inside a word, then with one typo forgiven."""
    if not search_terms(query):
        return SearchMatches([], {}, False)
    await _prefer_index(conn)
    return await _find(conn, query, limit)


async def _find(conn: AsyncConnection, query: str, limit: int) -> SearchMatches:
    terms = search_terms(query)
    long = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
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
