"""The MP4 layout on its own: the same bytes from local files and from storage read by range
(an S3-like backend), the same bytes every time, and WebVTT cues as timed text."""

from __future__ import annotations

import io
from pathlib import Path

import av

from mediaserver.offline.mov_text import packed_language, parse_cues
from mediaserver.offline.plan import Rendition, build_layout
from mediaserver.offline.stream import parts
from mediaserver.storage import LocalStorage


class RangeOnly(LocalStorage):
    """Local storage that pretends to have no local files, as an object store."""

    async def local_path(self, key: str) -> Path | None:
        await super().local_path(key)  # still "not found" for what is missing
        return None


async def _whole(storage: LocalStorage, rendition: Rendition) -> bytes:
    layout = await build_layout(storage, rendition)
    out = bytearray()
    for part in parts(layout, 0, layout.size):
        if isinstance(part, bytes):
            out += part
        else:
            key, offset, length = part
            async with await storage.open_range(key, offset, offset + length) as stream:
                out += await stream.read_all()
    return bytes(out)


async def test_local_and_ranged_reads_give_the_same_file_every_time(ladder_dir):
    root = ladder_dir.folder.parent
    audio = ladder_dir.audio[1]["name"]
    rendition = Rendition(
        "ladder", ladder_dir.rungs[0]["name"], audio, "fre", (("ladder/subs/ger/subs.vtt", "ger"),)
    )
    local = await _whole(LocalStorage(root), rendition)
    assert local == await _whole(LocalStorage(root), rendition)
    assert local == await _whole(RangeOnly(root), rendition)
    with av.open(io.BytesIO(local)) as container:
        kinds = [s.type for s in container.streams]
        assert kinds == ["video", "audio", "subtitle"]


def test_cues_become_ordered_plain_text_without_overlaps():
    vtt = (
        "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
        "00:00:02.000 --> 00:00:03.000\nLater &amp; <i>slanted</i>\n\n"
        "00:00:00.500 --> 00:00:02.500 align:start\nFirst\nsecond line\n\n"
        "01:00:00.000 --> 01:00:01.000\nAn hour in\n\n"
        "00:00:05.000 --> 00:00:04.000\nBackwards\n"
    )
    assert parse_cues(vtt) == [
        (500, 2500, "First\nsecond line"),
        (2500, 3000, "Later & slanted"),
        (3_600_000, 3_601_000, "An hour in"),
    ]
    assert packed_language("eng") == ((5 << 10) | (14 << 5) | 7)
    assert packed_language("en") == packed_language(None) == packed_language("e1g")
