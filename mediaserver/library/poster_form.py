"""Reading an uploaded poster from the admin title page's multipart form, within its limit."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from mediaserver.accounts import CSRF_HEADER
from mediaserver.errors import BadRequest
from mediaserver.http.forms import read_file_part, read_form
from mediaserver.library.posters import MAX_BYTES


async def read_poster(request: web.Request) -> bytes:
    """The 'poster' file of a multipart form, at most MAX_BYTES.

    With the CSRF token in a header (HTMX, API) the body is streamed here with our own limit;
    a plain form was already read by the CSRF check, bounded by server.max_body_bytes.
    """
    if request.headers.get(CSRF_HEADER) or request.headers.get("Authorization"):
        data = await read_file_part(request, "poster", MAX_BYTES)
        if data is None:
            raise BadRequest("Choose an image file.", field="poster")
        if len(data) > MAX_BYTES:
            raise BadRequest("The poster is larger than 10 MB.", field="poster")
        return data
    form = await read_form(request)
    field = form.get("poster")
    if not isinstance(field, FileField):
        raise BadRequest("Choose an image file.", field="poster")
    return field.file.read(MAX_BYTES + 1)
