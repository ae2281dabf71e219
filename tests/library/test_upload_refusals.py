"""A refused tus creation says so: an error answer never carries a Location (tus clients take
one as a created upload and report success), and nothing is left receiving for the upload."""

from __future__ import annotations

import asyncio
import base64
import io

import pytest
from tusclient.exceptions import TusCommunicationError

from tests.library.test_uploads import TUS, _tus, _uploader, ready, uclient  # noqa: F401

OCTET = "application/offset+octet-stream"


def _metadata(library_id: int, name: bytes = b"movie.mkv") -> str:
    return (
        f"filename {base64.b64encode(name).decode()},"
        f"library_id {base64.b64encode(str(library_id).encode()).decode()}"
    )


async def _uploads(client, key: str) -> list[dict]:
    resp = await client.get("/api/v1/uploads", headers={"Authorization": f"Bearer {key}"})
    return (await resp.json())["uploads"]


async def test_tuspy_reports_a_refused_empty_file_as_an_error(ready, tmp_path) -> None:  # noqa: F811
    client, key, library_id = ready
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    up = _uploader(_tus(client, key), empty, library_id, "empty.mkv")
    with pytest.raises(TusCommunicationError) as err:
        await asyncio.to_thread(up.upload)
    assert err.value.status_code == 422
    assert b"is not a video or audio file" in err.value.response_content
    assert up.url is None
    [state] = await _uploads(client, key)  # kept as failed, so the uploads page says why
    assert state["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "extra", "status"),
    [
        (b"not a movie at all\n" * 20, {}, 422),  # a text file: not media
        (b"z" * 20, {"Upload-Checksum": "sha1 " + base64.b64encode(b"x" * 20).decode()}, 460),
        (b"z" * 40, {"Upload-Length": "20"}, 413),  # more bytes than Upload-Length
    ],
    ids=["not-media", "bad-checksum", "too-long"],
)
async def test_creation_with_a_refused_body_has_no_location(ready, body, extra, status) -> None:  # noqa: F811
    client, key, library_id = ready
    headers = TUS | {"Authorization": f"Bearer {key}", "Content-Type": OCTET}
    headers |= {"Upload-Length": str(len(body)), "Upload-Metadata": _metadata(library_id)}
    resp = await client.post("/api/v1/uploads", data=io.BytesIO(body), headers=headers | extra)
    assert resp.status == status, await resp.text()
    assert "Location" not in resp.headers
    assert resp.headers["Tus-Resumable"] == "1.0.0"
    # Nothing is left receiving under a URL the client never got.
    assert all(u["status"] != "receiving" for u in await _uploads(client, key))


async def test_refused_metadata_has_no_location(ready) -> None:  # noqa: F811
    client, key, _ = ready
    headers = TUS | {"Authorization": f"Bearer {key}", "Upload-Length": "10"}
    resp = await client.post(
        "/api/v1/uploads", headers=headers | {"Upload-Metadata": _metadata(999_999)}
    )
    assert resp.status == 400 and "Location" not in resp.headers
    assert await _uploads(client, key) == []
