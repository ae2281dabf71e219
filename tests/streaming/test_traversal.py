"""No request reads a file outside the library or the cache: traversal in every path segment
and every encoding of it, symlinks out of a library, rows pointing outside their roots."""

from __future__ import annotations

import os

import pytest

from mediaserver.keys import db_key, secret_key
from mediaserver.streaming.tokens import issue
from tests.packaging.helpers import add_media_file, raw_get
from tests.streaming.helpers import add_probed_file, add_sidecar, play, set_file

SECRET = b"TOP-SECRET-OUTSIDE-THE-LIBRARY"

FILE_TAILS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/secret.txt",
    "%2e%2e%2f%2e%2e%2fsecret.txt",
    "..%5c..%5csecret.txt",
    "..\\..\\secret.txt",
    "{id}.mkv/../../secret.txt",
    "{id}.mkv/..%2f..%2fsecret.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "//etc/passwd",
    "{id}.mkv%00",
    "{id}.mkv%00.mp4",
    "{id}.mp4",  # not the file's extension
    "{id}.MKV",
    "0{id}.mkv",
    "{id}.mkv.",
    "{id}..mkv",
    "{id}",
    "secret.txt",
    "%252e%252e/secret.txt",
]
SUBS_TAILS = [
    "../../secret.txt",
    "..%2f..%2fsecret.txt",
    "%2e%2e%2fsecret.txt",
    "{track}.vtt/../../secret.txt",
    "{track}.vtt%00",
    "{track}.srt",
    "-{track}.vtt",
    "0{track}.vtt",
    "/etc/passwd",
    "..%5csecret.vtt",
]
TOKEN_SEGMENTS = ["..", "%2e%2e", "..%2f..%2f", "..%5c..", "%00", "/etc", "%2fetc%2fpasswd"]


@pytest.fixture
async def played(sclient, place, media_dir, tmp_path):
    """An MKV with a sidecar, played (a token), and secrets next to the library and elsewhere."""
    db = sclient.server.app[db_key]
    file_id = await add_probed_file(db, media_dir, place("mkv", "Film.mkv"))
    (media_dir / "Film.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    await add_sidecar(db, file_id, media_dir / "Film.en.srt")
    for where in (tmp_path / "secret.txt", tmp_path / "data" / "secret.txt"):
        where.parent.mkdir(exist_ok=True)
        where.write_bytes(SECRET)
    data = await play(sclient, file_id, {"mse": {'video/mp4; codecs="avc1.640028"': True}})
    token = data["url"].split("/")[3]
    return sclient, file_id, token, data["subtitles"][0]["id"]


async def _refused(client, target: str) -> None:
    status, head, body = await raw_get(client, target)
    assert 400 <= status < 500, (target, status, head)
    assert SECRET not in body and b"root:" not in body
    assert not body.startswith(b"\x1aE\xdf\xa3")  # not the Matroska file either


async def test_controls_are_served(played):
    client, file_id, token, track = played
    status, _head, body = await raw_get(client, f"/media/t/{token}/file/{file_id}.mkv")
    assert status == 200 and body.startswith(b"\x1aE\xdf\xa3")
    status, _head, body = await raw_get(client, f"/media/t/{token}/subs/{track}.vtt")
    assert status == 200 and body.startswith(b"WEBVTT")


async def test_traversal_in_the_file_name(played):
    client, file_id, token, _track = played
    for tail in FILE_TAILS:
        await _refused(client, f"/media/t/{token}/file/{tail.format(id=file_id)}")


async def test_traversal_in_the_subtitle_name(played):
    client, _file_id, token, track = played
    for tail in SUBS_TAILS:
        await _refused(client, f"/media/t/{token}/subs/{tail.format(track=track)}")


async def test_traversal_in_the_token_segment(played):
    client, file_id, _token, _track = played
    for segment in TOKEN_SEGMENTS:
        for rest in (f"file/{file_id}.mkv", "ladder/master.m3u8", "subs/1.vtt"):
            await _refused(client, f"/media/t/{segment}/{rest}")


async def test_a_symlink_out_of_the_library_is_not_followed(sclient, media_dir, tmp_path):
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(SECRET)
    os.symlink(outside, media_dir / "Link.mp4")
    db = sclient.server.app[db_key]
    file_id = await add_media_file(db, str(media_dir), "Link.mp4", container="mov,mp4")
    token, _grant = issue(
        sclient.server.app[secret_key],
        user_id=1,
        profile_id=1,
        media_file_id=file_id,
        max_height=0,
        ttl_seconds=60,
    )
    await _refused(sclient, f"/media/t/{token}/file/{file_id}.mp4")


async def test_a_row_pointing_outside_its_roots_reads_nothing(played, tmp_path):
    client, file_id, token, _track = played
    (tmp_path / "secret.mkv").write_bytes(SECRET)
    await set_file(client.server.app[db_key], file_id, path=str(tmp_path / "secret.mkv"))
    data = await play(client, file_id, {"prefer": "transcode"}, expect=200)
    fresh = data["url"].split("/")[3]
    await _refused(client, f"/media/t/{fresh}/file/{file_id}.mkv")
