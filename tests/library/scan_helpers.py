"""Building libraries on disk for scan tests, and reading back what the scan stored.

Real clips are made once per module with media_factory and copied under many names (each copy
gets its own mtime, so size+mtime never matches two files by accident).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mediaserver.db.engine import Database

_MTIME = [1_600_000_000.0]


def place(src: Path, dst: Path | str | bytes) -> Path:
    """Copy a clip to `dst` (parents made) with a unique mtime."""
    target = Path(os.fsdecode(dst))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    _MTIME[0] += 17.0
    os.utime(target, (_MTIME[0], _MTIME[0]))
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (1_500_000_000, 1_500_000_000))  # older than any scan: not a "change"
    return path


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(sa.text(sql), params)).all())


async def file_row(db: Database, name: str) -> Any:
    """The media_files row whose path ends with `name`."""
    found = [r for r in await rows(db, "SELECT * FROM media_files") if r.path.endswith(name)]
    assert len(found) == 1, (name, [r.path for r in await rows(db, "SELECT * FROM media_files")])
    return found[0]


async def title_by_name(db: Database, title: str) -> Any:
    found = await rows(db, "SELECT * FROM titles WHERE title = :t", t=title)
    assert len(found) == 1, (title, [r.title for r in await rows(db, "SELECT * FROM titles")])
    return found[0]
