"""Reading an uploaded poster from the admin title page's multipart form, within its limit."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from mediaserver.accounts import CSRF_HEADER
from mediaserver.errors import BadRequest
from mediaserver.library.posters import MAX_BYTES


async def read_poster(request: web.Request) -> bytes:
    """The 'poster' file of a multipart form, at most MAX_BYTES.

    With the CSRF token in a header (HTMX, API) the body is streamed here with our own limit;
    a plain form was already read by the CSRF check, bounded by server.max_body_bytes.
    """
    if request.headers.get(CSRF_HEADER) or request.headers.get("Authorization"):
        if not request.content_type.startswith("multipart/"):
            raise BadRequest("Send the poster as multipart/form-data.", field="poster")
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == "poster":
                data = bytearray()
                while chunk := await part.read_chunk(64 * 1024):
                    data += chunk
                    if len(data) > MAX_BYTES:
                        raise BadRequest("The poster is larger than 10 MB.", field="poster")
                return bytes(data)
        raise BadRequest("Choose an image file.", field="poster")
    form = await request.post()
    field = form.get("poster")
    if field is None or isinstance(field, str):
        raise BadRequest("Choose an image file.", field="poster")
    return field.file.read(MAX_BYTES + 1)
