"""tus uploads, driven by a real tus client (tuspy) against the running server.

tuspy is synchronous (requests), so it runs in a thread while the test server serves on the
event loop. It signs in with an API key, as another program would: no CSRF token needed.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hashlib
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from mediaserver.db.catalog_schema import libraries, media_files, uploads
from mediaserver.db.schema import jobs
from mediaserver.keys import config_key, db_key
from mediaserver.library.scan.walker import is_media_name
from mediaserver.library.uploads import files as uf
from mediaserver.library.uploads.files import MAX_NAME_BYTES, clean_filename, parse_metadata
from mediaserver.library.uploads.finish import sweep
from mediaserver.library.uploads.store import UploadLimits
from mediaserver.media.magic import kind_and_extension
from mediaserver.media.sniff import ALLOWED_DEMUXERS
from mediaserver.streaming.playback_request import MSE_CANDIDATES
from tests.helpers import api, csrf_from, setup_admin, setup_with_user, sign_in
from tests.media_factory import make_audio_only, make_text_file, make_video

TUS = {"Tus-Resumable": "1.0.0"}
OCTET = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
async def uclient(make_app, aiohttp_client) -> TestClient:
    return await aiohttp_client(make_app())


async def _add_library(client: TestClient, tmp_path: Path, name: str = "Movies") -> int:
    folder = tmp_path / f"media-{name}"
    folder.mkdir(exist_ok=True)
    now = time.time()
    async with client.app[db_key].write() as conn:
        result = await conn.execute(
            libraries.insert().values(
                name=name, kind="movies", paths=[str(folder)], created_at=now, updated_at=now
            )
        )
        return int(result.inserted_primary_key[0])


async def _api_key(client: TestClient) -> str:
    csrf = await csrf_from(client, "/admin/api-keys")
    me = (await (await client.get("/api/v1/me")).json())["user"]
    resp = await api(
        client, "POST", "/api/v1/api-keys", {"name": "t", "user_id": me["id"]}, csrf=csrf
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["key"]


@pytest.fixture
async def ready(uclient: TestClient, tmp_path: Path) -> AsyncIterator[tuple[TestClient, str, int]]:
    """(client, API key, library id), with the client's cookies cleared: the key alone."""
    await setup_admin(uclient)
    key = await _api_key(uclient)
    library_id = await _add_library(uclient, tmp_path)
    uclient.session.cookie_jar.clear()
    yield uclient, key, library_id


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "source.mp4", seconds=1.0, container="mp4")


def _tus(client: TestClient, key: str) -> tus_client.TusClient:
    return tus_client.TusClient(
        str(client.make_url("/api/v1/uploads")), headers={"Authorization": f"Bearer {key}"}
    )


def _uploader(tc: tus_client.TusClient, path: Path, library_id: int, name: str, **kw):
    # With url=..., tuspy asks HEAD at once: call it in a thread then (the server needs the loop).
    # The bytes go in as a stream: given file_path, tuspy opens the file for every size check and
    # chunk and never closes it (a ResourceWarning each time). Test files are small.
    return tc.uploader(
        file_stream=io.BytesIO(path.read_bytes()),
        metadata={"filename": name, "filetype": "video/mp4", "library_id": str(library_id)},
        retries=0,
        **kw,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _limits(client: TestClient) -> UploadLimits:
    return UploadLimits.from_settings(client.app[config_key])


async def _wait_finished(client: TestClient, key: str, token: str) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(400):
        resp = await client.get(f"/api/v1/uploads/{token}", headers=headers)
        state = await resp.json()
        if state["status"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"upload {token} did not finish: {state}")


async def _create(client: TestClient, key: str, library_id: int, length: int, **extra) -> str:
    meta = f"filename {base64.b64encode(b'raw.mkv').decode()},library_id "
    meta += base64.b64encode(str(library_id).encode()).decode()
    headers = TUS | {"Authorization": f"Bearer {key}", "Upload-Length": str(length)}
    headers |= {"Upload-Metadata": meta} | extra
    resp = await client.post("/api/v1/uploads", headers=headers)
    assert resp.status == 201, await resp.text()
    assert resp.headers["Tus-Resumable"] == "1.0.0" and "GMT" in resp.headers["Upload-Expires"]
    return _token(resp.headers["Location"])


async def _patch(client: TestClient, key: str, token: str, offset: int, body, **extra):
    headers = TUS | OCTET | {"Authorization": f"Bearer {key}", "Upload-Offset": str(offset)}
    return await client.patch(f"/api/v1/uploads/{token}", data=body, headers=headers | extra)


async def _offset(client: TestClient, key: str, token: str) -> int:
    resp = await client.head(
        f"/api/v1/uploads/{token}", headers=TUS | {"Authorization": f"Bearer {key}"}
    )
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    return int(resp.headers["Upload-Offset"])


# -- the whole journey ------------------------------------------------------------------------


async def test_full_upload_lands_in_library_with_right_extension_and_sha(ready, video) -> None:
    client, key, library_id = ready
    tc = _tus(client, key)
    # Named .avi by the client; the content is MP4, so it is stored as .mp4.
    up = _uploader(tc, video, library_id, "My Holiday (2021).avi", chunk_size=20_000,
                   upload_checksum=True)  # fmt: skip
    await asyncio.to_thread(up.upload)
    state = await _wait_finished(client, key, _token(up.url))
    assert state["status"] == "done", state
    assert state["sha256"] == _sha256(video)
    folder = _limits(client).files.library_dir(library_id)
    stored = folder / "My Holiday (2021).mp4"
    assert stored.is_file() and _sha256(stored) == _sha256(video)
    assert not any(_limits(client).files.partial_dir.iterdir())  # partial removed
    async with client.app[db_key].read() as conn:
        scans = (await conn.execute(sa.select(jobs).where(jobs.c.type == "library.scan"))).all()
    assert any(j.payload == {"library_id": library_id, "paths": [str(stored)]} for j in scans), (
        scans
    )

    # The same name again gets " (2)"; nothing is overwritten.
    again = _uploader(tc, video, library_id, "My Holiday (2021).avi")
    await asyncio.to_thread(again.upload)
    assert (await _wait_finished(client, key, _token(again.url)))["status"] == "done"
    assert (folder / "My Holiday (2021) (2).mp4").is_file()


async def test_resume_after_dropped_connection(ready, video) -> None:
    client, key, library_id = ready
    data = video.read_bytes()
    tc = _tus(client, key)
    first = _uploader(tc, video, library_id, "dropped.mp4", chunk_size=len(data) // 4)
    await asyncio.to_thread(first.upload, len(data) // 4)  # one chunk, then stop
    token = _token(first.url)
    start = await _offset(client, key, token)
    assert start == len(data) // 4

    async def half_then_drop():
        yield data[start : start + (len(data) - start) // 2]
        await asyncio.sleep(0.1)
        raise ConnectionResetError("cable pulled")

    with pytest.raises(Exception):  # noqa: B017 - the client sees its own broken request
        await _patch(client, key, token, start, half_then_drop())
    await asyncio.sleep(0.2)
    kept = await _offset(client, key, token)
    assert kept == start + (len(data) - start) // 2  # what arrived is kept, nothing invented

    # A new client instance knows only the URL: it asks HEAD and continues from there.
    second = await asyncio.to_thread(
        _uploader, _tus(client, key), video, library_id, "dropped.mp4", url=first.url
    )
    assert second.offset == kept
    await asyncio.to_thread(second.upload)
    state = await _wait_finished(client, key, token)
    assert state["status"] == "done" and state["sha256"] == _sha256(video)


async def test_resume_after_server_restart(make_app, aiohttp_client, tmp_path, video) -> None:
    first_client = await aiohttp_client(make_app())
    await setup_admin(first_client)
    key = await _api_key(first_client)
    library_id = await _add_library(first_client, tmp_path)
    data = video.read_bytes()
    up = _uploader(_tus(first_client, key), video, library_id, "restart.mp4", chunk_size=10_000)
    await asyncio.to_thread(up.upload, len(data) // 2)
    path = str(first_client.make_url(f"/api/v1/uploads/{_token(up.url)}").path)
    await first_client.close()  # the server goes away (cleanup runs)

    second_client = await aiohttp_client(make_app())  # same settings, same database
    url = str(second_client.make_url(path))
    resumed = await asyncio.to_thread(
        _uploader, _tus(second_client, key), video, library_id, "restart.mp4", url=url
    )
    assert resumed.offset >= len(data) // 2
    await asyncio.to_thread(resumed.upload)
    state = await _wait_finished(second_client, key, _token(url))
    assert state["status"] == "done" and state["sha256"] == _sha256(video)


# -- protocol errors --------------------------------------------------------------------------


async def test_offset_mismatch_is_409_and_writes_nothing(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 100)
    assert (await _patch(client, key, token, 0, b"a" * 10)).status == 204
    resp = await _patch(client, key, token, 5, b"b" * 10)
    assert resp.status == 409 and "HEAD" in (await resp.json())["detail"]
    assert await _offset(client, key, token) == 10
    partial = _limits(client).files.partial(token)
    assert partial.read_bytes() == b"a" * 10


async def test_bad_checksum_is_460_and_chunk_discarded(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 100)
    good = "sha1 " + base64.b64encode(hashlib.sha1(b"x" * 10).digest()).decode()
    assert (
        await _patch(client, key, token, 0, b"x" * 10, **{"Upload-Checksum": good})
    ).status == 204
    bad = "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    resp = await _patch(client, key, token, 10, b"y" * 20, **{"Upload-Checksum": bad})
    assert resp.status == 460
    assert await _offset(client, key, token) == 10
    assert _limits(client).files.partial(token).stat().st_size == 10
    resp = await _patch(client, key, token, 10, b"y", **{"Upload-Checksum": "md5 AAAA"})
    assert resp.status == 400


async def test_version_mismatch_is_412(ready) -> None:
    client, key, library_id = ready
    resp = await client.post(
        "/api/v1/uploads",
        headers={"Authorization": f"Bearer {key}", "Tus-Resumable": "0.2.2", "Upload-Length": "5"},
    )
    assert resp.status == 412 and resp.headers["Tus-Version"] == "1.0.0"
    options = await client.options("/api/v1/uploads")
    assert options.status == 204
    assert "checksum" in options.headers["Tus-Extension"]
    assert options.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"
    assert int(options.headers["Tus-Max-Size"]) == _limits(client).max_bytes


async def test_too_large_is_413(ready) -> None:
    client, key, library_id = ready
    too_big = _limits(client).max_bytes + 1
    headers = TUS | {"Authorization": f"Bearer {key}", "Upload-Length": str(too_big)}
    headers["Upload-Metadata"] = "library_id " + base64.b64encode(str(library_id).encode()).decode()
    assert (await client.post("/api/v1/uploads", headers=headers)).status == 413


async def test_body_longer_than_length_is_413_and_nothing_kept(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 10)
    resp = await _patch(client, key, token, 0, b"z" * 20)  # Content-Length says 20
    assert resp.status == 413
    assert await _offset(client, key, token) == 0

    async def chunked():  # no Content-Length: caught while streaming
        for _ in range(4):
            yield b"q" * 4

    resp = await _patch(client, key, token, 0, chunked())
    assert resp.status == 413
    assert await _offset(client, key, token) == 0
    assert _limits(client).files.partial(token).stat().st_size == 0


async def test_content_length_that_lies_is_caught(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 100)
    head = (
        f"PATCH /api/v1/uploads/{token} HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: Bearer {key}\r\nTus-Resumable: 1.0.0\r\n"
        "Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
        "Content-Length: {length}\r\n\r\n"
    )
    # Says 50 bytes, sends 20 and hangs up: at most those 20 are kept (bytes still in aiohttp's
    # buffer when the connection dropped may go too), nothing is invented, and it resumes.
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(head.format(offset=0, length=50).encode() + b"a" * 20)
    await writer.drain()
    writer.close()
    await asyncio.sleep(0.3)
    kept = await _offset(client, key, token)
    assert 0 <= kept <= 20
    partial = _limits(client).files.partial(token)
    assert partial.read_bytes() == b"a" * kept
    # Says 5 bytes, sends 10: only 5 are part of the request; the rest is a bad next request.
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(head.format(offset=kept, length=5).encode() + b"b" * 10)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.")  # 204, or aiohttp's 400 for the bytes that follow
    await asyncio.sleep(0.3)
    now = await _offset(client, key, token)
    assert now in (kept, kept + 5)  # never the 10 bytes sent
    assert partial.read_bytes() == b"a" * kept + b"b" * (now - kept)


async def test_expired_is_410_unknown_is_404_and_sweep_deletes(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 100)
    assert (await _patch(client, key, token, 0, b"a" * 10)).status == 204
    async with client.app[db_key].write() as conn:
        await conn.execute(uploads.update().where(uploads.c.token == token).values(expires_at=1.0))
    headers = TUS | {"Authorization": f"Bearer {key}"}
    assert (await client.head(f"/api/v1/uploads/{token}", headers=headers)).status == 410
    assert (await _patch(client, key, token, 10, b"b")).status == 410
    assert (await client.head("/api/v1/uploads/" + "x" * 32, headers=headers)).status == 404
    limits = _limits(client)
    assert limits.files.partial(token).exists()
    await sweep(client.app[db_key], limits, finish=None, keep_finished=86400)  # type: ignore[arg-type]
    assert not limits.files.partial(token).exists()
    assert (await client.head(f"/api/v1/uploads/{token}", headers=headers)).status == 410


async def test_termination_removes_everything(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 100)
    assert (await _patch(client, key, token, 0, b"a" * 10)).status == 204
    headers = TUS | {"Authorization": f"Bearer {key}"}
    assert (await client.delete(f"/api/v1/uploads/{token}", headers=headers)).status == 204
    assert not _limits(client).files.partial(token).exists()
    assert (await client.head(f"/api/v1/uploads/{token}", headers=headers)).status == 404


async def test_patch_needs_offset_content_type(ready) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 10)
    headers = TUS | {"Authorization": f"Bearer {key}", "Upload-Offset": "0"}
    resp = await client.patch(f"/api/v1/uploads/{token}", data=b"abc", headers=headers)
    assert resp.status == 415


# -- bad input --------------------------------------------------------------------------------


async def test_text_file_named_mkv_is_refused_and_deleted(ready, tmp_path) -> None:
    client, key, library_id = ready
    text = make_text_file(tmp_path / "movie.mkv", "not a movie at all\n" * 50)
    up = _uploader(_tus(client, key), text, library_id, "movie.mkv")
    with pytest.raises(TusCommunicationError) as err:
        await asyncio.to_thread(up.upload)
    assert err.value.status_code == 422
    assert b"is not a video or audio file" in err.value.response_content
    state = await _wait_finished(client, key, _token(up.url))
    assert state["status"] == "failed" and "not a video" in state["error"]
    limits = _limits(client)
    assert not limits.files.partial(_token(up.url)).exists()
    assert not limits.files.library_dir(library_id).exists()


HOSTILE = [
    "../../etc/passwd",
    "a\\b\\..\\..\\evil.mkv",
    "nul\x00byte.mkv",
    "new\nline\r\n.mkv",
    "x" * 300 + ".mkv",
    "/absolute/path.mkv",
    "....",
    "\u202etxt.exe",
]


async def test_hostile_filenames_never_escape_the_upload_folder(ready, video) -> None:
    client, key, library_id = ready
    tc = _tus(client, key)
    for name in HOSTILE:
        up = _uploader(tc, video, library_id, name)
        await asyncio.to_thread(up.upload)
        assert (await _wait_finished(client, key, _token(up.url)))["status"] == "done", name
    folder = _limits(client).files.library_dir(library_id)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(HOSTILE)
    for stored in names:
        assert (folder / stored).resolve().parent == folder.resolve()
        assert stored.endswith(".mp4") and not stored.startswith(".")
        assert not any(ch in stored for ch in "/\\\x00\n\r\u202e")
        assert len(stored.encode()) <= MAX_NAME_BYTES + 8
    root = _limits(client).root
    assert sorted(p.name for p in root.iterdir()) == [".partial", f"library-{library_id}"]


def test_clean_filename_and_metadata_parsing() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\x\\film.mkv") == "film.mkv"
    assert clean_filename("..hidden.mkv") == "hidden.mkv"
    assert clean_filename("a\x00b\nc.mkv") == "ab c.mkv"
    assert len(clean_filename("é" * 300).encode()) <= MAX_NAME_BYTES
    assert parse_metadata("filename " + base64.b64encode(b"a.mkv").decode() + ",flag") == {
        "filename": "a.mkv",
        "flag": "",
    }
    for bad in ("filename not*base64", "a b c", "k YQ==,k YQ=="):
        with pytest.raises(ValueError):
            parse_metadata(bad)


# -- who may upload ---------------------------------------------------------------------------


async def test_non_admin_is_refused(uclient, tmp_path) -> None:
    await setup_with_user(uclient)  # signed in as a normal user
    csrf = await csrf_from(uclient, "/account")
    resp = await uclient.post(
        "/api/v1/uploads", headers=TUS | {"Upload-Length": "10", "X-CSRF-Token": csrf}
    )
    assert resp.status == 403
    assert (await uclient.get("/admin/uploads")).status == 403


async def test_browser_session_needs_csrf_on_patch(uclient, tmp_path) -> None:
    await setup_admin(uclient)
    library_id = await _add_library(uclient, tmp_path)
    page = await uclient.get("/admin/uploads")
    body = await page.text()
    assert page.status == 200 and 'id="uploader"' in body and "tus.min.js" in body
    csrf = await csrf_from(uclient, "/admin/api-keys")
    meta = "library_id " + base64.b64encode(str(library_id).encode()).decode()
    resp = await uclient.post(
        "/api/v1/uploads",
        headers=TUS | {"Upload-Length": "10", "Upload-Metadata": meta, "X-CSRF-Token": csrf},
    )
    assert resp.status == 201
    url = resp.headers["Location"]
    headers = TUS | OCTET | {"Upload-Offset": "0"}
    assert (await uclient.patch(url, data=b"12345", headers=headers)).status == 403
    ok = await uclient.patch(url, data=b"12345", headers=headers | {"X-CSRF-Token": csrf})
    assert ok.status == 204 and ok.headers["Upload-Offset"] == "5"


async def test_page_without_library_points_to_libraries(uclient) -> None:
    await setup_admin(uclient)
    body = await (await uclient.get("/admin/uploads")).text()
    assert 'href="/admin/libraries"' in body and 'id="uploader"' not in body


async def test_foreign_token_is_404(uclient, tmp_path) -> None:
    await setup_admin(uclient)
    key = await _api_key(uclient)
    library_id = await _add_library(uclient, tmp_path)
    token = await _create(uclient, key, library_id, 10)
    await sign_in(uclient, "admin", "admin-password-1")
    csrf = await csrf_from(uclient, "/admin/users")
    resp = await api(
        uclient, "POST", "/api/v1/users",
        {"username": "other", "password": "other-password-1", "role": "admin"}, csrf=csrf,
    )  # fmt: skip
    assert resp.status == 201
    await sign_in(uclient, "other", "other-password-1")
    assert (await uclient.head(f"/api/v1/uploads/{token}", headers=TUS)).status == 404


# -- what becomes of an uploaded file ---------------------------------------------------------


async def _scanned(client: TestClient, name: str) -> sa.Row:
    """The media file row the scan of an upload wrote, once it is there."""
    for _ in range(400):
        async with client.app[db_key].read() as conn:
            row = (
                await conn.execute(
                    sa.select(media_files.c.id, media_files.c.status, media_files.c.error).where(
                        media_files.c.path.endswith(f"/{name}")
                    )
                )
            ).first()
        if row is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"no media file {name} was scanned")


async def test_uploaded_file_plays_directly_with_its_subtitles(ready, tmp_path) -> None:
    client, key, library_id = ready
    clip = make_video(tmp_path / "clip.mp4", seconds=1, width=160, height=120, container="mp4",
                      subtitle_tracks=(("eng", False),), faststart=True)  # fmt: skip
    up = _uploader(_tus(client, key), clip, library_id, "Uploaded (2020).mp4")
    await asyncio.to_thread(up.upload)
    assert (await _wait_finished(client, key, _token(up.url)))["status"] == "done"
    row = await _scanned(client, "Uploaded (2020).mp4")
    assert row.status == "ok", row.error
    auth = {"Authorization": f"Bearer {key}"}
    profiles = await (await client.get("/api/v1/profiles", headers=auth)).json()
    auth["X-Profile-Id"] = str(profiles["profiles"][0]["id"])
    chrome = {m: True for m in MSE_CANDIDATES if "hvc1" not in m and "ac-3" not in m}
    resp = await client.post(f"/api/v1/playback/{row.id}", json={"mse": chrome}, headers=auth)
    assert resp.status == 200, await resp.text()
    offer = await resp.json()
    assert offer["method"] == "direct", offer["reason"]
    video = await client.get(offer["url"], headers={"Range": "bytes=0-99"})
    assert video.status == 206, await video.text()
    assert await video.read() == clip.read_bytes()[:100]
    assert offer["subtitles"], offer
    subs = await client.get(offer["subtitles"][0]["url"])
    assert subs.status == 200, await subs.text()
    assert "Hello eng" in await subs.text()


def test_every_extension_an_upload_gets_is_one_the_scan_reads() -> None:
    # An upload is stored under the extension its content deserves; a scan that skipped that
    # extension would leave the file in the library as nothing at all.
    sniffed = ("mp4", "m4a", "mov", "m4v", "3gp", "3g2", "webm", "mkv", "m2ts", "unknown")
    made = {
        kind_and_extension(demuxer, kind, video)[1]
        for demuxer in ALLOWED_DEMUXERS
        for kind in sniffed
        for video in (True, False)
    }
    assert not {ext for ext in made if not is_media_name(f"upload{ext}")}


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("audio", "no video stream (audio only"),
        ("empty", "the file is empty"),
        ("garbage", "not a recognised audio or video format"),
    ],
)
async def test_an_upload_that_cannot_be_a_title_is_a_library_issue(
    ready, tmp_path, kind, reason
) -> None:
    client, key, library_id = ready
    source = tmp_path / "upload.bin"
    if kind == "audio":
        make_audio_only(source)
    elif kind == "empty":
        source.write_bytes(b"")
    else:
        source.write_bytes(bytes(range(256)) * 64)
    up = _uploader(_tus(client, key), source, library_id, "Concert (2020).mp4")
    with pytest.raises(TusCommunicationError) as err:
        await asyncio.to_thread(up.upload)
    assert err.value.status_code == 422
    assert reason in err.value.response_content.decode()
    [state] = (
        await (
            await client.get("/api/v1/uploads", headers={"Authorization": f"Bearer {key}"})
        ).json()
    )["uploads"]
    assert state["status"] == "failed" and reason in state["error"]
    page = await client.get(
        f"/admin/libraries/{library_id}/issues", headers={"Authorization": f"Bearer {key}"}
    )
    text = await page.text()
    assert page.status == 200, text
    assert "Concert (2020).mp4" in text and reason in text
    assert not _limits(client).files.library_dir(library_id).exists()  # nothing half-kept


async def test_full_disk_answers_507_and_the_upload_resumes_once_there_is_room(
    ready, monkeypatch
) -> None:
    client, key, library_id = ready
    token = await _create(client, key, library_id, 20)  # not all sent: never completed
    assert (await _patch(client, key, token, 0, b"12345")).status == 204
    real_write = uf._write_all

    def full(fd, chunks, hashers) -> None:
        raise uf.WriteFailed(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uf, "_write_all", full)
    resp = await _patch(client, key, token, 5, b"67890")
    assert resp.status == 507, await resp.text()
    assert "the disk is full" in await resp.text()
    assert await _offset(client, key, token) == 5  # nothing half-written is counted
    monkeypatch.setattr(uf, "_write_all", real_write)  # space was freed
    assert (await _patch(client, key, token, 5, b"67890")).status == 204
    assert await _offset(client, key, token) == 10


async def test_an_upload_whose_finishing_keeps_failing_fails_with_the_reason(
    make_app, aiohttp_client, tmp_path, video, monkeypatch
) -> None:
    client = await aiohttp_client(make_app(jobs={"max_attempts": 1}))
    await setup_admin(client)
    key = await _api_key(client)
    library_id = await _add_library(client, tmp_path)

    def broken_disk(partial, folder, name):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(uf, "place_file", broken_disk)
    up = _uploader(_tus(client, key), video, library_id, "Lost (2020).mp4")
    await asyncio.to_thread(up.upload)
    state = await _wait_finished(client, key, _token(up.url))  # not "processing" for ever
    assert state["status"] == "failed" and "Input/output error" in state["error"], state
    page = await client.get(f"/admin/libraries/{library_id}/issues")
    assert "Lost (2020).mp4" in await page.text()
