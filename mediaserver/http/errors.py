"""One mapping from errors to HTTP answers: HTML pages for browsers, JSON problems for the API."""

from __future__ import annotations

import logging

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from mediaserver.errors import DomainError, TooManyRequests, Unavailable, is_disk_full
from mediaserver.http.clientinfo import wants_json
from mediaserver.http.templating import base_context
from mediaserver.keys import templates_key
from mediaserver.storage.base import (
    InvalidKey,
    ObjectNotFound,
    RangeNotSatisfiable,
    StorageError,
    StorageFull,
)

log = logging.getLogger(__name__)

# Whatever could not be written (an upload, a sign-in, a progress save): reads keep working, and
# writes work again as soon as there is room.
DISK_FULL_DETAIL = (
    "This could not be saved: the disk is full. Try again once an administrator has freed space."
)

TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    416: "Range not satisfiable",
    507: "Storage full",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


def problem_response(
    request: web.Request,
    status: int,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """RFC 9457 problem JSON for API clients, a friendly page for browsers."""
    title = TITLES.get(status, "Error")
    if wants_json(request):
        body: dict[str, object] = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
        }
        if field:
            body["field"] = field
        return web.json_response(
            body, status=status, headers=headers, content_type="application/problem+json"
        )
    try:
        template = request.app[templates_key].get_template("errors/error.html")
        html = template.render(**base_context(request), status=status, title=title, detail=detail)
    except (KeyError, jinja2.TemplateError, RuntimeError):
        # The error page itself must never fail: fall back to plain text.
        return web.Response(text=f"{status} {title}: {detail}", status=status, headers=headers)
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)


def _storage_answer(exc: StorageError) -> tuple[int, str]:
    if isinstance(exc, ObjectNotFound):
        return 404, "No such file."
    if isinstance(exc, InvalidKey):
        return 400, "Invalid file name."
    if isinstance(exc, RangeNotSatisfiable):
        return 416, "The requested range is outside the file."
    if isinstance(exc, StorageFull):
        log.warning("storage is full: %s", exc)
        return 507, DISK_FULL_DETAIL
    log.error("storage error: %s", exc)
    return 503, "Storage is unavailable right now; try again shortly."


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        headers = None
        if isinstance(exc, TooManyRequests | Unavailable):
            headers = {"Retry-After": str(exc.retry_after)}
        return problem_response(request, exc.status, exc.detail, field=exc.field, headers=headers)
    except StorageError as exc:
        status, detail = _storage_answer(exc)
        return problem_response(request, status, detail)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status == 401 and exc.headers.get("WWW-Authenticate"):
            raise  # redirects and auth challenges pass through as they are
        detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 413:
            detail = "The request body is larger than this server accepts."
        headers = {k: v for k, v in exc.headers.items() if k in ("Retry-After", "Allow")}
        return problem_response(request, exc.status, detail, headers=headers)
    except (ConnectionResetError, TimeoutError):
        raise
    except Exception as exc:
        if is_disk_full(exc):  # a file write's OSError or the database's "disk is full"
            log.warning("%s %s: the disk is full", request.method, request.path)
            return problem_response(request, 507, DISK_FULL_DETAIL)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(
            request, 500, "The server could not complete this request; it has been logged."
        )
