"""Domain errors. http/errors.py maps each to one HTTP answer (HTML page or JSON problem)."""

from __future__ import annotations

import errno


class DomainError(Exception):
    """Base class: `status` and a message a person can act on."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", *, field: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field


class BadRequest(DomainError):
    status = 400
    title = "Bad request"


class Unauthorized(DomainError):
    status = 401
    title = "Sign-in required"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str = "", *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str = "", *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


DISK_FULL = "the disk is full"
# What each store says when it has no room: errno values, SQLite's and PostgreSQL's messages.
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_WORDS = (
    "database or disk is full",
    "could not extend file",
    "no space left on device",
    "disk quota exceeded",
)
_PG_DISK_FULL = "53100"  # SQLSTATE disk_full


class OutOfSpace(Exception):
    """A write found no room. Storage's StorageFull is one; `is_disk_full` recognises the rest
    (OSError, the databases' errors) wherever they were raised."""

    def __init__(self, detail: str = DISK_FULL) -> None:
        super().__init__(detail)


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error behind it (cause, context, a database driver's original),
    says a disk is full: such a failure is nobody's mistake and passes once space returns."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OutOfSpace):
            return True
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if getattr(exc, "sqlstate", None) == _PG_DISK_FULL:
            return True
        text = str(exc).lower()
        if any(words in text for words in _FULL_WORDS):
            return True
        orig = getattr(exc, "orig", None)
        exc = orig if isinstance(orig, BaseException) else exc.__cause__ or exc.__context__
    return False
