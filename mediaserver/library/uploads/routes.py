"""tus 1.0 endpoints under /api/v1/uploads, and where an upload stands (JSON).

Thin handlers: parse headers, authorise, call `uploads`, answer with the tus headers. Bodies are
streamed from `request.content` (aiohttp's client_max_size only bounds read()/post()), so
memory stays flat whatever the file size.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import current_user_id
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.errors import problem_response
from mediaserver.keys import db_key
from mediaserver.library.api_models import UploadListOut, UploadOut
from mediaserver.library.uploads import files as uf
from mediaserver.library.uploads import tus as uploads
from mediaserver.library.uploads.context import BASE, finisher, limits_of
from mediaserver.library.uploads.store import Upload, UploadError, find_upload, recent_uploads
from mediaserver.library.uploads.tus_http import (
    OFFSET_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    base_headers,
    int_header,
    tus,
    upload_headers,
)
from mediaserver.storage.base import StorageFull

routes = web.RouteTableDef()

ONE = BASE + "/{token:[A-Za-z0-9_-]{20,64}}"


async def _append(request: web.Request, upload: Upload, offset: int) -> Upload:
    return await uploads.append(
        request.app[db_key],
        limits_of(request.app),
        upload,
        offset=offset,
        body=request.content.iter_any(),  # chunks as they arrive: no joining copies
        content_length=request.content_length,
        checksum=request.headers.get("Upload-Checksum"),
        upload_length=int_header(request, "Upload-Length"),
        finish=finisher(request.app),
    )


# -- tus --------------------------------------------------------------------------------------


@routes.route("OPTIONS", BASE, name="api_uploads_options")
@routes.route("OPTIONS", ONE, name="api_upload_options")
@access("public")
@api(response=None, status=204)
async def tus_options(request: web.Request) -> web.Response:
    """tus discovery: what this server supports (no secrets)."""
    return web.Response(
        status=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(limits_of(request.app).max_bytes),
            "Tus-Checksum-Algorithm": ",".join(uf.CHECKSUM_ALGORITHMS),
        },
    )


@routes.post(BASE, name="api_upload_create")
@access("admin")
@api(raw_body=OFFSET_TYPE, response=None, status=201)
@tus
async def tus_create(request: web.Request) -> web.Response:
    """tus creation: start an upload, optionally with its first bytes; its URL is in Location.

    Send Upload-Length (or Upload-Defer-Length: 1) and Upload-Metadata with the filename and
    the library_id it goes to.
    """
    length = int_header(request, "Upload-Length")
    deferred = request.headers.get("Upload-Defer-Length")
    if deferred is not None and (deferred.strip() != "1" or length is not None):
        raise UploadError(400, "Send either Upload-Length or 'Upload-Defer-Length: 1'.")
    if length is None and deferred is None:
        raise UploadError(400, "Send Upload-Length (or 'Upload-Defer-Length: 1').")
    try:
        metadata = uf.parse_metadata(request.headers.get("Upload-Metadata", ""))
    except uf.MetadataError as exc:
        raise UploadError(400, str(exc)) from None
    has_body = bool(request.content_length) or (
        request.content_length is None and request.can_read_body
    )
    if has_body and request.content_type != OFFSET_TYPE:
        raise UploadError(415, f"A creation body must be sent as {OFFSET_TYPE}.")
    limits = limits_of(request.app)
    db = request.app[db_key]
    upload = await uploads.create_upload(
        db, limits, current_user_id(request), length=length, metadata=metadata
    )
    if has_body or upload.length == 0:
        try:
            upload = await _append(request, upload, 0)
        except (UploadError, StorageFull):
            # Answered by `tus` without a Location: tus clients take a Location as a created
            # upload and report success. The client never learns this one's URL, so it goes.
            await uploads.abandon(db, limits, upload)
            raise
    location = str(request.app.router["api_upload"].url_for(token=upload.token))
    headers = upload_headers(upload) | {"Location": location}
    return web.Response(status=201, headers=headers)


@routes.head(ONE, name="api_upload_head")
@access("admin")
@api(response=None)
@tus
async def tus_head(request: web.Request) -> web.Response:
    """tus offset: how many bytes the server has (Upload-Offset), with the length and expiry."""
    db = request.app[db_key]
    upload = await find_upload(db, request.match_info["token"], current_user_id(request))
    upload = await uploads.current(db, limits_of(request.app), upload)
    headers = upload_headers(upload)
    if upload.metadata:
        headers["Upload-Metadata"] = uf.encode_metadata(upload.metadata)
    return web.Response(status=200, headers=headers)


@routes.patch(ONE, name="api_upload_patch")
@access("admin")
@api(raw_body=OFFSET_TYPE, response=None, status=204)
@tus
async def tus_patch(request: web.Request) -> web.Response:
    """tus append: bytes from Upload-Offset on; the last ones queue the finishing job."""
    if request.content_type != OFFSET_TYPE:
        raise UploadError(415, f"PATCH bodies must be sent as {OFFSET_TYPE}.")
    offset = int_header(request, "Upload-Offset")
    if offset is None:
        raise UploadError(400, "Upload-Offset is required.")
    db = request.app[db_key]
    upload = await find_upload(db, request.match_info["token"], current_user_id(request))
    upload = await _append(request, upload, offset)
    return web.Response(status=204, headers=upload_headers(upload))


@routes.delete(ONE, name="api_upload_delete")
@access("admin")
@api(response=None, status=204)
@tus
async def tus_delete(request: web.Request) -> web.Response:
    """tus termination: cancel an upload; its partial data goes (a finished file stays)."""
    db = request.app[db_key]
    upload = await find_upload(db, request.match_info["token"], current_user_id(request))
    await uploads.terminate(db, limits_of(request.app), upload)
    return web.Response(status=204, headers=base_headers())


# -- status, for the admin page and scripts ---------------------------------------------------


@routes.get(ONE, name="api_upload", allow_head=False)
@access("admin")
@api(response=UploadOut)
async def upload_status(request: web.Request) -> web.Response:
    """Where an upload stands (JSON): receiving, processing, done (with sha256) or failed."""
    try:
        upload = await find_upload(
            request.app[db_key], request.match_info["token"], current_user_id(request),
            for_status=True,
        )  # fmt: skip
    except UploadError as exc:
        return problem_response(request, exc.status, exc.detail)
    return web.json_response(upload.as_json(), headers={"Cache-Control": "no-store"})


@routes.get(BASE, name="api_uploads", allow_head=False)
@access("admin")
@api(response=UploadListOut)
async def upload_list(request: web.Request) -> web.Response:
    """The caller's 50 most recent uploads, newest first, and where each stands."""
    recent = await recent_uploads(request.app[db_key], current_user_id(request))
    return web.json_response(
        {"uploads": [u.as_json() for u in recent]}, headers={"Cache-Control": "no-store"}
    )
