"""Which errors mean "the disk is full", wherever they come from (a file write, storage, SQLite,
PostgreSQL), and which do not."""

from __future__ import annotations

import errno
import sqlite3

import pytest
import sqlalchemy as sa

from mediaserver.errors import OutOfSpace, is_disk_full
from mediaserver.storage import StorageFull


class PgError(Exception):
    """What asyncpg raises, as far as is_disk_full looks: a message and a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _wrapped(orig: Exception) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT INTO progress ...", {}, orig)


def _behind(exc: Exception) -> Exception:
    try:
        try:
            raise exc
        except Exception:
            raise RuntimeError("the segments cannot be read back") from None
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        StorageFull("no space left to put 'ladders/1/a.m4s'"),
        OutOfSpace(),
        _wrapped(sqlite3.OperationalError("database or disk is full")),
        _wrapped(PgError('could not extend file "base/16384/2619": wrote only 4096', "53100")),
        _wrapped(PgError("disk full", "53100")),
        _behind(OSError(errno.ENOSPC, "No space left on device")),  # context kept, not shown
        RuntimeError("writing the ladder failed: No space left on device"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_disk_full_is_recognised(exc: Exception) -> None:
    assert is_disk_full(exc)


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EIO, "Input/output error"),
        PermissionError(errno.EACCES, "Permission denied"),
        _wrapped(sqlite3.OperationalError("database is locked")),
        _wrapped(PgError("connection refused", "08001")),
        ValueError("box mdat overruns its parent"),
        None,
    ],
)
def test_other_failures_are_not_a_full_disk(exc: Exception | None) -> None:
    assert not is_disk_full(exc)
