"""Libraries: named sets of folders (movies, shows or mixed) with a packaging policy.

Every folder must be an existing, readable, absolute directory; it is stored resolved (symlinks
followed once, here), and no folder may contain or lie inside another library folder or the
server's data folder: each file belongs to exactly one library.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from mediaserver.db.catalog_schema import libraries, media_files, scan_issues, titles
from mediaserver.db.engine import Database
from mediaserver.db.rights import bump
from mediaserver.db.search import remove_title
from mediaserver.errors import BadRequest, Conflict, NotFound

LibraryKind = Literal["movies", "shows", "mixed"]
# How packaging serves the library's files: ladders made ahead, transcoded on the fly, or both.
LibraryPolicy = Literal["preencode", "on_the_fly", "hybrid"]
KINDS: tuple[LibraryKind, ...] = ("movies", "shows", "mixed")
POLICIES: tuple[LibraryPolicy, ...] = ("preencode", "on_the_fly", "hybrid")
DEFAULT_POLICY: LibraryPolicy = "hybrid"
NAME_MAX = 80
MAX_PATHS = 32
PATH_MAX = 4096


@dataclass(frozen=True, slots=True)
class Library:
    id: int
    name: str
    kind: LibraryKind
    paths: list[str]
    policy: LibraryPolicy
    created_at: float
    updated_at: float
    last_scan_at: float | None


@dataclass(frozen=True, slots=True)
class LibraryStats:
    library: Library
    titles: int
    files: int
    failed: int
    missing: int
    issues: int


def _from_row(row: Any) -> Library:
    m = row._mapping
    return Library(
        id=m["id"],
        name=m["name"],
        kind=m["kind"],
        paths=list(m["paths"] or []),
        policy=m["policy"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        last_scan_at=m["last_scan_at"],
    )


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Give the library a name.", field="name")
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise BadRequest(f"The name is longer than {NAME_MAX} characters.", field="name")
    return name


def check_kind(kind: Any) -> LibraryKind:
    if kind not in KINDS:
        raise BadRequest(f"Kind must be one of: {', '.join(KINDS)}.", field="kind")
    return kind


def check_policy(policy: Any) -> LibraryPolicy:
    if policy not in POLICIES:
        raise BadRequest(f"Policy must be one of: {', '.join(POLICIES)}.", field="policy")
    return policy


def parse_paths(value: Any) -> list[str]:
    """Paths from a JSON list or from a form's text area (one per line)."""
    if isinstance(value, str):
        items = [line.strip() for line in value.splitlines()]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value]
    else:
        raise BadRequest("'paths' must be a list of folder paths.", field="paths")
    items = [p for p in items if p]
    if not items:
        raise BadRequest("Add at least one folder.", field="paths")
    if len(items) > MAX_PATHS:
        raise BadRequest(f"At most {MAX_PATHS} folders per library.", field="paths")
    return items


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def check_folder(raw: str) -> Path:
    """One folder: absolute, existing, a directory, readable; returned resolved."""
    if len(raw) > PATH_MAX or "\x00" in raw:
        raise BadRequest("That folder path is not valid.", field="paths")
    path = Path(raw)
    if not path.is_absolute():
        raise BadRequest(f"'{raw}' is not an absolute path (start it with /).", field="paths")
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise BadRequest(f"The folder '{raw}' does not exist.", field="paths") from None
    if not resolved.is_dir():
        raise BadRequest(f"'{raw}' is not a folder.", field="paths")
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise BadRequest(f"The server cannot read the folder '{raw}'.", field="paths")
    return resolved


def check_folders(
    raw_paths: list[str], others: list[Library], data_dir: Path | None = None
) -> list[str]:
    """Validate `raw_paths` against each other, the other libraries and the data folder."""
    resolved: list[Path] = []
    for raw in raw_paths:
        path = check_folder(raw)
        for seen in resolved:
            if _overlaps(path, seen):
                raise BadRequest(
                    f"The folders '{seen}' and '{path}' overlap; list each folder once.",
                    field="paths",
                )
        resolved.append(path)
    data = data_dir.resolve() if data_dir is not None else None
    for path in resolved:
        if data is not None and _overlaps(path, data):
            raise BadRequest(
                f"'{path}' overlaps the server's data folder; choose a media folder.",
                field="paths",
            )
        for other in others:
            for taken in other.paths:
                if _overlaps(path, Path(taken)):
                    raise Conflict(
                        f"'{path}' overlaps the folder '{taken}' of the library '{other.name}'.",
                        field="paths",
                    )
    return [str(p) for p in resolved]


async def list_libraries(db: Database) -> list[Library]:
    async with db.read() as conn:
        rows = await conn.execute(sa.select(libraries).order_by(libraries.c.name))
        return [_from_row(r) for r in rows]


async def get_library(db: Database, library_id: int) -> Library:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(libraries).where(libraries.c.id == library_id))).first()
    if row is None:
        raise NotFound("No such library.")
    return _from_row(row)


async def find_library(db: Database, name: str) -> Library | None:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(libraries).where(libraries.c.name == name))).first()
    return _from_row(row) if row is not None else None


async def library_stats(db: Database) -> list[LibraryStats]:
    """Every library with counts of visible titles, files, failures, missing files and issues."""
    libs = await list_libraries(db)
    if not libs:
        return []
    mf = media_files
    async with db.read() as conn:
        title_counts = dict(
            (
                await conn.execute(
                    sa.select(titles.c.library_id, sa.func.count())
                    .where(titles.c.removed_at.is_(None))
                    .group_by(titles.c.library_id)
                )
            ).all()
        )
        file_rows = (
            await conn.execute(
                sa.select(mf.c.library_id, mf.c.status, sa.func.count()).group_by(
                    mf.c.library_id, mf.c.status
                )
            )
        ).all()
        issue_counts = dict(
            (
                await conn.execute(
                    sa.select(scan_issues.c.library_id, sa.func.count()).group_by(
                        scan_issues.c.library_id
                    )
                )
            ).all()
        )
    files: dict[tuple[int, str], int] = {(r[0], r[1]): r[2] for r in file_rows}
    return [
        LibraryStats(
            library=lib,
            titles=title_counts.get(lib.id, 0),
            files=files.get((lib.id, "ok"), 0) + files.get((lib.id, "failed"), 0),
            failed=files.get((lib.id, "failed"), 0),
            missing=files.get((lib.id, "missing"), 0),
            issues=issue_counts.get(lib.id, 0),
        )
        for lib in libs
    ]


async def create_library(
    db: Database,
    name: Any,
    kind: Any,
    paths: Any,
    policy: Any = DEFAULT_POLICY,
    *,
    data_dir: Path | None = None,
) -> Library:
    name, kind = check_name(name), check_kind(kind)
    policy = check_policy(policy or DEFAULT_POLICY)
    raw = parse_paths(paths)
    now = time.time()
    async with db.write() as conn:
        others = [_from_row(r) for r in await conn.execute(sa.select(libraries))]
        if any(o.name.lower() == name.lower() for o in others):
            raise Conflict(f"A library named '{name}' exists already.", field="name")
        folders = check_folders(raw, others, data_dir)
        row = (
            await conn.execute(
                libraries.insert()
                .values(
                    name=name,
                    kind=kind,
                    paths=folders,
                    policy=policy,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*libraries.c)
            )
        ).one()
    return _from_row(row)


async def update_library(
    db: Database,
    library_id: int,
    *,
    name: Any = None,
    kind: Any = None,
    paths: Any = None,
    policy: Any = None,
    data_dir: Path | None = None,
) -> Library:
    """Change the given fields (None: unchanged)."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = check_name(name)
    if kind is not None:
        values["kind"] = check_kind(kind)
    if policy is not None:
        values["policy"] = check_policy(policy)
    raw = parse_paths(paths) if paths is not None else None
    async with db.write() as conn:
        rows = [_from_row(r) for r in await conn.execute(sa.select(libraries))]
        current = next((r for r in rows if r.id == library_id), None)
        if current is None:
            raise NotFound("No such library.")
        others = [r for r in rows if r.id != library_id]
        if "name" in values and any(o.name.lower() == values["name"].lower() for o in others):
            raise Conflict(f"A library named '{values['name']}' exists already.", field="name")
        if raw is not None:
            values["paths"] = check_folders(raw, others, data_dir)
        if not values:
            return current
        values["updated_at"] = time.time()
        row = (
            await conn.execute(
                libraries.update()
                .where(libraries.c.id == library_id)
                .values(**values)
                .returning(*libraries.c)
            )
        ).one()
    return _from_row(row)


async def delete_library(db: Database, library_id: int) -> None:
    """Delete the library with its titles and file records (the files on disk stay); media URLs
    handed out for its files are refused from now on."""
    async with db.write() as conn:
        # The search index has no foreign key on SQLite (FTS5): clear it first.
        ids = (
            await conn.execute(sa.select(titles.c.id).where(titles.c.library_id == library_id))
        ).scalars()
        for title_id in list(ids):
            await remove_title(conn, title_id)
        files = sa.select(media_files.c.id).where(media_files.c.library_id == library_id)
        await bump(conn, "file", (await conn.execute(files)).scalars().all())
        result = await conn.execute(libraries.delete().where(libraries.c.id == library_id))
    if result.rowcount == 0:
        raise NotFound("No such library.")


async def mark_scanned(db: Database, library_id: int, when: float) -> None:
    async with db.write() as conn:
        await conn.execute(
            libraries.update().where(libraries.c.id == library_id).values(last_scan_at=when)
        )
