"""The on-the-fly segment cache: bounded by its budget (least recently used go first), and a
changed source never serves stale segments."""

from __future__ import annotations

from pathlib import Path

from mediaserver.streaming.segment_cache import SegmentCache


def test_lru_eviction_keeps_the_cache_under_budget(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=10_000)
    folder = cache.rung_dir(1, "transcode", "a1", "720p")
    for n in range(4):
        cache.store_segment(folder, n, b"x" * 3000)
    assert cache.total_bytes <= 10_000
    assert not (folder / "seg_00000.m4s").exists()  # the oldest went first
    # Using segment 1 makes segment 2 the least recently used one.
    assert cache.lookup(folder / "seg_00001.m4s") is not None
    cache.store_segment(folder, 4, b"x" * 3000)
    assert (folder / "seg_00001.m4s").exists()
    assert not (folder / "seg_00002.m4s").exists()
    assert cache.total_bytes == sum(p.stat().st_size for p in folder.glob("seg_*.m4s"))


def test_the_budget_holds_across_restarts(tmp_path: Path) -> None:
    first = SegmentCache(tmp_path, max_bytes=100_000)
    folder = first.rung_dir(2, "remux", "a1", "source")
    for n in range(5):
        first.store_segment(folder, n, b"y" * 3000)
    again = SegmentCache(tmp_path, max_bytes=7_000)  # a smaller budget after a restart
    again.store_segment(folder, 5, b"y" * 3000)
    assert again.total_bytes <= 7_000
    assert len(list(folder.glob("seg_*.m4s"))) == 2


def test_a_changed_source_drops_its_segments(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=100_000)
    assert cache.check_source(3, 1000, 1.0) is False  # first sight: nothing to drop
    folder = cache.rung_dir(3, "transcode", "a1", "360p")
    cache.store_segment(folder, 0, b"z" * 100)
    assert cache.check_source(3, 1000, 1.0) is False
    assert cache.check_source(3, 2000, 2.0) is True  # replaced by another file
    assert not (folder / "seg_00000.m4s").exists()
    assert cache.total_bytes == 0
