"""The offline analysis on generated clips: a dark, slow clip and a bright, quickly cut one get
different moods; dialogue with strong language gets the content note; the description gives
themes; a long title is only sampled."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaserver.recommend.tagging.analysis import (
    MAX_WINDOWS,
    WINDOW_SECONDS,
    MediaInput,
    analyse,
    windows_for,
)
from mediaserver.recommend.tagging.vocabulary import normalise_tag
from tests.recommend.tagging_media import make_clip

SWEARING = ["What the fuck is this?", "Oh shit, run.", "You bastard!", "Nice weather today."]


def _tags(path: Path, description: str = "", sidecar: str | None = None) -> dict[str, str]:
    found = analyse(MediaInput(str(path), 6.0, sidecar, None, description), keyframes=2)
    return {s.tag: s.kind for s in found.suggestions}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "dark": make_clip(folder / "dark.mkv", style="dark-slow", subtitles=SWEARING),
        "bright": make_clip(folder / "bright.mkv", style="bright-fast"),
    }


def test_dark_slow_and_bright_fast_clips_get_different_moods(clips: dict[str, Path]) -> None:
    dark = analyse(MediaInput(str(clips["dark"]), 6.0, None, None, ""))
    bright = analyse(MediaInput(str(clips["bright"]), 6.0, None, None, ""))
    dark_tags = {s.tag for s in dark.suggestions}
    bright_tags = {s.tag for s in bright.suggestions}
    assert {"dark", "slow-burn"} <= dark_tags
    assert {"fast-paced", "light-hearted"} <= bright_tags
    assert not dark_tags & {"fast-paced", "light-hearted"}
    assert not bright_tags & {"dark", "slow-burn"}
    # What was measured says why.
    assert dark.features["mean_luma"] < 0.2 < 0.5 < bright.features["mean_luma"]
    assert dark.features["shots_per_minute"] == 0
    assert bright.features["shots_per_minute"] > 60  # a cut every half second
    assert dark.features["music_share"] == 1.0  # a steady tone is not speech
    assert -20 < dark.features["loudness_lufs"] < -10  # a 0.2 sine in both channels


def test_strong_language_in_subtitles_is_a_content_note(clips: dict[str, Path]) -> None:
    sidecar = str(clips["dark"].with_suffix(".srt"))
    tags = _tags(clips["dark"], sidecar=sidecar)
    assert tags["strong-language"] == "content"
    clean = _tags(clips["bright"])
    assert "strong-language" not in clean


def test_description_gives_themes_and_violence(clips: dict[str, Path]) -> None:
    tags = _tags(
        clips["bright"],
        "A detective hunts a killer who murdered a family; blood on a knife is the only clue.",
    )
    assert tags["crime"] == tags["family"] == tags["mystery"] == "theme"
    assert tags["violence"] == "content"


def test_keyframes_are_small_jpegs(clips: dict[str, Path]) -> None:
    found = analyse(MediaInput(str(clips["bright"]), 6.0, None, None, ""), keyframes=2)
    assert 1 <= len(found.keyframes) <= 2
    assert all(k.startswith(b"\xff\xd8") and len(k) < 60_000 for k in found.keyframes)


def test_a_long_title_is_sampled_in_spread_windows() -> None:
    windows = windows_for(45 * 60, 1800)
    assert len(windows) == MAX_WINDOWS
    assert sum(end - start for start, end in windows) <= MAX_WINDOWS * WINDOW_SECONDS + 0.01
    assert windows[0][0] > 0 and windows[-1][1] < 45 * 60
    assert windows_for(30, 1800) == [(0.0, 30)]


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Slow burn", "slow-burn"),
        ("  COMING of AGE ", "coming-of-age"),
        ("don't", "dont"),
        ("!!!", None),
        ("", None),
        ("x" * 60, "x" * 40),
    ],
)
def test_tags_are_normalised(raw: str, tag: str | None) -> None:
    assert normalise_tag(raw) == tag
