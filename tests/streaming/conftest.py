"""Fixtures: a signed-in browser with a profile, a library folder, and tiny real clips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.media_factory import make_audio_only, make_video
from tests.packaging.helpers import sign_in_with_profile


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Made once per run: an MP4 (H.264/AAC, mov_text subs), an MKV (H.264/AAC, two SRT
    streams, chapters), a WebM (VP8/Opus) and an audio-only MP4."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "mp4": make_video(
            folder / "clip.mp4",
            seconds=1,
            width=160,
            height=120,
            container="mp4",
            subtitle_tracks=(),
            faststart=True,
        ),
        "mkv": make_video(
            folder / "clip.mkv",
            seconds=1,
            width=160,
            height=120,
            container="mkv",
            chapters=(("Intro", 0.0, 0.5), ("Main", 0.5, 1.0)),
            audio_tracks=(("eng", 2), ("fre", 2)),
        ),
        "webm": make_video(
            folder / "clip.webm",
            seconds=1,
            width=160,
            height=120,
            container="webm",
            subtitle_tracks=(),
        ),
        "m4a": make_audio_only(folder / "audio.mp4", seconds=1),
    }


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
def place(media_dir: Path, clips: dict[str, Path]):
    """Copy a clip into the library folder under a name."""

    def _place(kind: str, name: str) -> Path:
        target = media_dir / name
        shutil.copyfile(clips[kind], target)
        return target

    return _place


@pytest.fixture
async def sclient(make_app, aiohttp_client):
    """A browser signed in as the first-run admin, first profile chosen."""
    client = await aiohttp_client(make_app())
    await sign_in_with_profile(client)
    return client
