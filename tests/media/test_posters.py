"""Poster candidates: black, flat and blurred stills rejected, the detailed one chosen and saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from mediaserver.media.posters import (
    PosterCandidate,
    make_poster_candidates,
    poster_positions,
)
from mediaserver.media.sniff import MediaRejected
from tests.media.scenes import make_scenes
from tests.media_factory import make_audio_only, make_text_file

FOUR_SCENES = [("black", 2.0), ("flat", 2.0), ("blurred", 2.0), ("detailed", 2.0)]


@pytest.fixture(scope="module")
def four_scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("posters")
    return make_scenes(folder / "scenes.mp4", FOUR_SCENES, width=640, height=360)


def check_files(candidate: PosterCandidate, out: Path, sizes: dict[int, int]) -> None:
    assert set(candidate.files) == {(w, f) for w in sizes for f in ("webp", "jpeg")}
    for (width, fmt), name in candidate.files.items():
        assert "/" not in name and name == f"poster_{candidate.index}_{width}." + (
            "webp" if fmt == "webp" else "jpg"
        )
        with Image.open(out / name) as image:
            image.load()
            assert image.format == fmt.upper()
            assert image.size == (width, sizes[width])


def test_bad_frames_rejected_detailed_one_chosen(four_scenes: Path, tmp_path: Path) -> None:
    candidates = make_poster_candidates(four_scenes, tmp_path)
    assert len(candidates) == 6
    best = candidates[0]
    assert best.rejected_reason is None
    assert 6.0 <= best.time_seconds <= 8.0  # the detailed scene
    assert best.sharpness > 500 and best.contrast > 30
    assert (best.width, best.height) == (640, 360)  # never upscaled to 1280
    check_files(best, tmp_path, {640: 360, 320: 180})

    by_reason = {c.rejected_reason for c in candidates[1:]}
    assert by_reason == {"black", "flat", "blurred"}
    for candidate in candidates[1:]:
        assert candidate.files == {}
        assert candidate.score < best.score
    blurred = [c for c in candidates if c.rejected_reason == "blurred"]
    assert all(4.0 <= c.time_seconds < 6.0 for c in blurred)
    assert all(c.contrast > 30 for c in blurred)  # not flat: blurred is measured apart
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(best.files.values())


def test_every_kept_candidate_saved_best_first(tmp_path: Path) -> None:
    video = make_scenes(
        tmp_path / "good.mp4", [("detailed", 3.0), ("blurred", 1.0), ("detailed", 3.0)]
    )
    out = tmp_path / "out"
    candidates = make_poster_candidates(video, out, count=4)
    kept = [c for c in candidates if c.rejected_reason is None]
    assert len(kept) >= 2 and candidates[: len(kept)] == kept
    assert [c.score for c in kept] == sorted((c.score for c in kept), reverse=True)
    for candidate in kept:
        check_files(candidate, out, {640: 360, 320: 180})


def test_all_rejected_keeps_the_least_bad(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "dull.mp4", [("black", 3.0), ("flat", 3.0)])
    candidates = make_poster_candidates(video, tmp_path / "out", count=4)
    first = candidates[0]
    assert first.rejected_reason == "flat"  # flat beats black
    check_files(first, tmp_path / "out", {640: 360, 320: 180})
    assert all(c.files == {} for c in candidates[1:])


def test_full_hd_gets_every_card_width(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "hd.mp4", [("detailed", 1.0)], width=1920, height=1080, fps=6)
    candidates = make_poster_candidates(video, tmp_path / "out", count=2)
    check_files(candidates[0], tmp_path / "out", {1280: 720, 640: 360, 320: 180})


def test_rotation_is_honoured(tmp_path: Path) -> None:
    video = make_scenes(tmp_path / "phone.mp4", [("marker", 2.0)], rotation=90, fps=6)
    first = make_poster_candidates(video, tmp_path / "out", count=2)[0]
    assert (first.width, first.height) == (320, 569)  # upright 360x640, card width 320
    with Image.open(tmp_path / "out" / first.files[(320, "jpeg")]) as image:
        rgb = image.convert("RGB")
        top, bottom = rgb.getpixel((160, 40)), rgb.getpixel((160, 520))
    # the left half of the coded frame (red) is on top once turned 90 degrees clockwise
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_positions_skip_the_ends() -> None:
    positions = poster_positions(100.0, 6)
    assert positions[0] == 10.0 and positions[-1] == 80.0
    assert positions == sorted(positions) and len(set(positions)) == 6
    assert poster_positions(None, 3) == [0.0, 1.0, 2.0]


def test_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="no video stream"):
        make_poster_candidates(make_audio_only(tmp_path / "a.mp4"), tmp_path / "out")
    with pytest.raises(MediaRejected):
        make_poster_candidates(make_text_file(tmp_path / "notes.mkv"), tmp_path / "out")
