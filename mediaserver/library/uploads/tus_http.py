"""tus 1.0 over HTTP: the headers every answer carries, errors as problem+json with them, the
`tus` wrapper that checks the protocol version, and reading number headers."""

from __future__ import annotations

import email.utils
from collections.abc import Awaitable, Callable

from aiohttp import web

from mediaserver.http.errors import DISK_FULL_DETAIL, problem_response
from mediaserver.library.uploads.store import RECEIVING, Upload, UploadError
from mediaserver.storage.base import StorageFull

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
OFFSET_TYPE = "application/offset+octet-stream"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)  # RFC 7231 IMF-fixdate


def base_headers() -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}


def tus_problem(request: web.Request, status: int, detail: str) -> web.Response:
    headers = base_headers()
    if status == 412:
        headers["Tus-Version"] = TUS_VERSION
    response = problem_response(request, status, detail, headers=headers)
    if request.can_read_body and not request.content.is_eof():
        response.force_close()  # don't linger reading a body we refused
    return response


def tus(handler: Handler) -> Handler:
    """Check Tus-Resumable and answer errors with the tus headers."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        version = request.headers.get("Tus-Resumable")
        if version != TUS_VERSION:
            return tus_problem(request, 412, f"This server speaks tus {TUS_VERSION} only.")
        try:
            return await handler(request)
        except UploadError as exc:
            return tus_problem(request, exc.status, exc.detail)
        except StorageFull:
            return tus_problem(request, 507, DISK_FULL_DETAIL)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def int_header(request: web.Request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        raise UploadError(400, f"{name} must be a non-negative whole number.")
    return int(raw)


def upload_headers(upload: Upload) -> dict[str, str]:
    headers = base_headers() | {"Upload-Offset": str(upload.offset)}
    if upload.length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(upload.length)
    if upload.status == RECEIVING:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    return headers
