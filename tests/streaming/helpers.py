"""Streaming test plumbing: media files in a library (probed for real, or described by hand),
a published ladder, and asking the playback API for a decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import media_files, media_streams, subtitle_tracks
from mediaserver.db.engine import Database
from mediaserver.keys import db_key, secret_key, storage_key
from mediaserver.library.scan.catalog_media import replace_streams
from mediaserver.media.probe import probe_file
from mediaserver.streaming import tokens
from tests.helpers import csrf_from
from tests.packaging.helpers import add_media_file, mark_published

SEGMENT = bytes(range(256)) * 40  # 10240 bytes
MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360\n'
    "video/360p/index.m3u8\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=3300000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720\n'
    "video/720p/index.m3u8\n\n"
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=640x360,URI="video/360p/iframes.m3u8"\n'
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=330000,RESOLUTION=1280x720,URI="video/720p/iframes.m3u8"\n'
)
MEDIA_PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + "#EXTINF:4.0,\nseg_00001.m4s\n" * 20
MPD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet contentType="video">'
    '<Representation id="360p" height="360" width="640"/>'
    '<Representation id="720p" height="720" width="1280"/>'
    "</AdaptationSet></Period></MPD>"
)
LADDER_FILES = {
    "master.m3u8": MASTER.encode(),
    "manifest.mpd": MPD.encode(),
    "video/360p/init.mp4": b"init",
    "video/360p/seg_00001.m4s": SEGMENT,
    "video/360p/index.m3u8": MEDIA_PLAYLIST.encode(),
    "video/720p/init.mp4": b"init720",
    "video/720p/seg_00001.m4s": SEGMENT[::-1],
    "video/720p/index.m3u8": MEDIA_PLAYLIST.encode(),
    "trickplay/thumbnails.vtt": b"WEBVTT\n",
    "posters/poster_1_320.webp": b"RIFF",
}
LADDER_ROW = {
    "rungs": [
        {"name": "720p", "width": 1280, "height": 720, "bandwidth": 3300000},
        {"name": "360p", "width": 640, "height": 360, "bandwidth": 900000},
    ],
    "trickplay": {"vtt": "TRICK", "interval": 2, "tile_width": 160, "tile_height": 90},
}


async def add_probed_file(db: Database, folder: Path, path: Path) -> int:
    """A real file in the library at `folder` (created if needed), probed as a scan would."""
    probe = probe_file(path)
    file_id = await add_media_file(
        db,
        str(folder),
        path.name,
        size=path.stat().st_size,
        container=probe.container,
        duration_seconds=probe.duration_seconds,
        bitrate=probe.bitrate,
    )
    async with db.write() as conn:
        await replace_streams(conn, file_id, probe, fresh=True)
    return file_id


async def add_described_file(
    db: Database, folder: Path, name: str, container: str, streams: list[dict[str, Any]]
) -> int:
    """A file row with streams described by hand (codecs we cannot cheaply encode in tests)."""
    file_id = await add_media_file(db, str(folder), name, container=container)
    rows = [
        {"media_file_id": file_id, "stream_index": i, "is_default": i == 1} | s
        for i, s in enumerate(streams)
    ]
    async with db.write() as conn:
        for row in rows:  # rows name different columns: one insert each
            await conn.execute(media_streams.insert().values(**row))
    return file_id


async def add_sidecar(db: Database, file_id: int, path: Path, fmt: str = "srt") -> int:
    async with db.write() as conn:
        return (
            await conn.execute(
                subtitle_tracks.insert()
                .values(media_file_id=file_id, source="sidecar", path=str(path), format=fmt)
                .returning(subtitle_tracks.c.id)
            )
        ).scalar_one()


async def publish_ladder(client: TestClient, file_id: int, **row: Any) -> str:
    """A hand-made published ladder (two rungs) for the file; returns its storage prefix."""
    storage = client.server.app[storage_key]
    prefix = f"ladders/{file_id}/v1"
    for rel, data in LADDER_FILES.items():
        await storage.put_bytes(f"{prefix}/{rel}", data)
    values = LADDER_ROW | row
    values["trickplay"] = dict(values["trickplay"], vtt=f"{prefix}/trickplay/thumbnails.vtt")
    await mark_published(
        client.server.app[db_key],
        file_id,
        poster_key=f"{prefix}/posters/poster_1_320.webp",
        **values,
    )
    return prefix


async def play(
    client: TestClient, file_id: int, body: dict[str, Any] | None = None, expect: int = 200
) -> dict[str, Any]:
    """Ask the playback API (as the signed-in browser, CSRF header and all)."""
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(
        f"/api/v1/playback/{file_id}", json=body or {}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == expect, await resp.text()
    return await resp.json()


async def set_file(db: Database, file_id: int, **values: Any) -> None:
    async with db.write() as conn:
        await conn.execute(media_files.update().where(media_files.c.id == file_id).values(**values))


def media_token(app, file_id: int, **changes: Any) -> str:
    """A signed media token for user 1 / profile 1 on `file_id` (no height cap, 10 minutes)."""
    values = {"user_id": 1, "profile_id": 1, "media_file_id": file_id, "max_height": 0}
    values |= {"ttl_seconds": 600} | changes
    return tokens.issue(app[secret_key], **values)[0]
