"""Upload rows: the model, the limits from settings, and the queries (no protocol logic here)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from mediaserver.db.catalog_schema import libraries, uploads
from mediaserver.db.engine import Database
from mediaserver.errors import DomainError
from mediaserver.library.scan.store import record_issues
from mediaserver.library.scan.walker import WalkIssue
from mediaserver.library.uploads import files as uf

UploadStatus = Literal["receiving", "processing", "done", "failed"]
RECEIVING: UploadStatus = "receiving"
PROCESSING: UploadStatus = "processing"
DONE: UploadStatus = "done"
FAILED: UploadStatus = "failed"

Enqueue = Callable[[int, str], Awaitable[Any]]  # (upload_id, extension): queue the finishing job


class UploadError(DomainError):
    """A tus answer other than success: its status, a message a person can act on."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class NotMedia(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoVideo(NotMedia):
    """Media without a video stream: libraries hold videos, so it would never become a title."""


@dataclass(frozen=True, slots=True)
class UploadLimits:
    root: Path  # data_dir/uploads
    max_bytes: int = 50 * 1024**3
    expire_seconds: float = 24 * 3600.0
    fsync: bool = False
    max_unfinished_per_user: int = 50

    @classmethod
    def from_settings(cls, settings: Any) -> UploadLimits:
        """From `settings.uploads` (mediaserver/config), falling back to the defaults above."""
        section = getattr(settings, "uploads", None)
        defaults = cls(root=settings.paths.data_dir / "uploads")
        if section is None:
            return defaults
        return cls(
            root=defaults.root,
            max_bytes=getattr(section, "max_bytes", defaults.max_bytes),
            expire_seconds=getattr(section, "expire_hours", 24.0) * 3600.0,
            fsync=getattr(section, "fsync", defaults.fsync),
            max_unfinished_per_user=getattr(
                section, "max_unfinished_per_user", defaults.max_unfinished_per_user
            ),
        )

    @property
    def files(self) -> uf.PartialFiles:
        return uf.PartialFiles(self.root)


@dataclass(frozen=True, slots=True)
class Upload:
    id: int
    token: str
    user_id: int
    library_id: int
    filename: str
    length: int | None
    offset: int
    metadata: dict[str, str]
    status: UploadStatus
    error: str | None
    sha256: str | None
    created_at: float
    updated_at: float
    expires_at: float
    library_name: str = ""

    @property
    def percent(self) -> float:
        if not self.length:
            return 100.0 if self.status == DONE else 0.0
        return round(100.0 * self.offset / self.length, 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "filename": self.filename,
            "library_id": self.library_id,
            "library": self.library_name,
            "length": self.length,
            "offset": self.offset,
            "status": self.status,
            "error": self.error,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


def upload_from_row(row: sa.Row) -> Upload:
    m = row._mapping
    return Upload(
        id=m["id"],
        token=m["token"],
        user_id=m["user_id"],
        library_id=m["library_id"],
        filename=m["filename"],
        length=m["length"],
        offset=m["offset_bytes"],
        metadata=dict(m["client_metadata"] or {}),
        status=m["status"],
        error=m["error"],
        sha256=m["sha256"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        expires_at=m["expires_at"],
        library_name=m.get("library_name") or "",
    )


async def update_upload(db: Database, upload_id: int, **values: Any) -> None:
    values.setdefault("updated_at", time.time())
    async with db.write() as conn:
        await conn.execute(uploads.update().where(uploads.c.id == upload_id).values(**values))


async def fail_upload(db: Database, limits: UploadLimits, upload: Upload, reason: str) -> None:
    limits.files.remove(upload.token)
    await update_upload(db, upload.id, status=FAILED, error=reason)


async def refuse_upload(db: Database, limits: UploadLimits, upload: Upload, reason: str) -> None:
    """A fully received file the library cannot use: the upload fails, and the library's issues
    page lists it with the same reason (under the name it would have had), as a scan would list a
    file it cannot read: a file that arrived never vanishes without a word."""
    await fail_upload(db, limits, upload, reason)
    name = uf.clean_filename(upload.filename) or f"upload {upload.token[:8]}"
    issue = WalkIssue(str(limits.files.library_dir(upload.library_id) / name), f"upload: {reason}")
    async with db.write() as conn:
        await record_issues(conn, upload.library_id, [issue], time.time())


# -- queries ----------------------------------------------------------------------------------


async def libraries_for_upload(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(libraries.c.id, libraries.c.name, libraries.c.kind).order_by(libraries.c.name)
        )
        return [dict(r._mapping) for r in rows]


async def recent_uploads(db: Database, user_id: int | None = None, limit: int = 50) -> list[Upload]:
    query = (
        sa.select(uploads, libraries.c.name.label("library_name"))
        .join(libraries, libraries.c.id == uploads.c.library_id)
        .order_by(uploads.c.id.desc())
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(uploads.c.user_id == user_id)
    async with db.read() as conn:
        return [upload_from_row(r) for r in await conn.execute(query)]


async def upload_by_id(db: Database, upload_id: int) -> Upload | None:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(uploads).where(uploads.c.id == upload_id))).first()
    return upload_from_row(row) if row else None


async def find_upload(
    db: Database, token: str, user_id: int, *, for_status: bool = False
) -> Upload:
    """The caller's upload: 404 if unknown or someone else's, 410 once expired, failed or gone."""
    if not uf.TOKEN_RE.fullmatch(token):
        raise UploadError(404, "No such upload.")
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(uploads, libraries.c.name.label("library_name"))
                .join(libraries, libraries.c.id == uploads.c.library_id)
                .where(uploads.c.token == token, uploads.c.user_id == user_id)
            )
        ).first()
    if row is None:
        raise UploadError(404, "No such upload.")
    upload = upload_from_row(row)
    if for_status:
        return upload
    if upload.status == FAILED:
        raise UploadError(410, f"This upload is gone: {upload.error or 'it failed'}")
    if upload.status == RECEIVING and upload.expires_at <= time.time():
        raise UploadError(410, "This upload expired before it was finished; start it again.")
    return upload
