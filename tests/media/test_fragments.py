"""The one trun parser, on a fragment laid out by hand with what FFmpeg writes only sometimes:
two runs in one traf, tfhd defaults, a first-sample flag, signed composition offsets. The
ladder's read-back (I-frame byte ranges, durations) and the offline download's sample tables
(times, sizes, keyframes, where the bytes are) must read it the same way."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from mediaserver.media.packaged import fragments
from mediaserver.media.packaged.bmff import BmffError, InitInfo, read_segment
from mediaserver.media.packaged.fragments import NON_SYNC, columns, read_segment_runs

TREX = (0, 0, 0)  # the init segment's defaults; the tfhd overrides them below
DECODE_START = 90_000
SIZES = [10, 20, 30, 5, 6]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags) + payload)


def _moof(first_offset: int, second_offset: int, tfhd_flags: int) -> bytes:
    tfhd_fields = struct.pack(">I", 1)  # track id
    if tfhd_flags & 0x01:
        tfhd_fields += struct.pack(">Q", 0)
    tfhd_fields += struct.pack(">II", 1000, NON_SYNC)  # default duration, default flags
    # Run 1 (v1: signed cts): its own sizes and cts, durations and flags from the tfhd, the
    # first sample flagged as a keyframe.
    first = struct.pack(">Ii", 3, first_offset) + struct.pack(">I", 0)
    cts = [2000, -1000, 0]
    first += b"".join(struct.pack(">Ii", s, c) for s, c in zip(SIZES[:3], cts, strict=True))
    # Run 2 (v0): its own durations and sizes.
    second = struct.pack(">Ii", 2, second_offset)
    second += b"".join(struct.pack(">II", d, s) for d, s in zip([500, 700], SIZES[3:], strict=True))
    traf = _box(
        b"traf",
        _full(b"tfhd", 0, 0x020000 | 0x08 | 0x20 | tfhd_flags, tfhd_fields)
        + _full(b"tfdt", 1, 0, struct.pack(">Q", DECODE_START))
        + _full(b"trun", 1, 0x001 | 0x004 | 0x200 | 0x800, first)
        + _full(b"trun", 0, 0x001 | 0x100 | 0x200, second),
    )
    return _box(b"moof", _full(b"mfhd", 0, 0, struct.pack(">I", 1)) + traf)


def _segment(tfhd_flags: int = 0) -> tuple[bytes, int]:
    """(segment bytes, size of its moof)."""
    size = len(_moof(0, 0, tfhd_flags))
    moof = _moof(size + 8, size + 8 + sum(SIZES[:3]), tfhd_flags)
    return moof + _box(b"mdat", bytes(range(sum(SIZES)))), size


def test_ladder_read_back_points_the_iframe_playlist_at_the_first_keyframe(tmp_path: Path):
    data, moof_size = _segment()
    path = tmp_path / "seg_00001.m4s"
    path.write_bytes(data)
    info = read_segment(path, InitInfo(90_000, "avc1", "vide", *TREX), path.name)
    assert (info.start, info.duration, info.sample_count) == (DECODE_START, 4200, 5)
    assert info.fragment_starts == [DECODE_START]
    assert info.first_sample_key
    assert (info.iframe_offset, info.iframe_length) == (0, moof_size + 8 + SIZES[0])


@pytest.mark.parametrize("head_bytes", [fragments.HEAD_BYTES, 32])
def test_download_sample_table_times_sizes_keyframes_and_bytes(monkeypatch, head_bytes):
    # 32: the moof does not fit in the first read and is read again whole (long fragments).
    monkeypatch.setattr(fragments, "HEAD_BYTES", head_bytes)
    data, moof_size = _segment()
    runs = read_segment_runs(lambda at, n: data[at : at + n], len(data), TREX)
    assert [r.decode_start for r in runs] == [DECODE_START, DECODE_START + 3000]
    assert [r.offset for r in runs] == [moof_size + 8, moof_size + 8 + 60]
    table = columns(runs)
    assert table.durations.tolist() == [1000, 1000, 1000, 500, 700]
    assert table.sizes.tolist() == SIZES
    assert table.sync.tolist() == [True, False, False, False, False]
    assert table.cts.tolist() == [2000, -1000, 0, 0, 0]
    assert table.lengths.tolist() == [60, 11]
    second = runs[1]
    assert data[second.offset : second.offset + 11] == bytes(range(60, 71))


def test_a_base_offset_we_cannot_place_is_refused_by_both_readers(tmp_path: Path):
    data, _size = _segment(tfhd_flags=0x01)
    path = tmp_path / "seg_00001.m4s"
    path.write_bytes(data)
    with pytest.raises(BmffError, match="seg_00001.m4s: .*base data offset"):
        read_segment(path, InitInfo(90_000, "avc1", "vide", *TREX), path.name)
    with pytest.raises(BmffError, match="base data offset"):
        read_segment_runs(lambda at, n: data[at : at + n], len(data), TREX)
