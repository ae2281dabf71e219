"""Fixtures: the provider fakes on loopback, a server whose metadata settings point at them, a
small library on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_factory import make_video
from tests.metadata.fakes import FakeProviders


@pytest.fixture
async def fake(aiohttp_server) -> FakeProviders:
    providers = FakeProviders()
    server = await aiohttp_server(providers.app())
    providers.base = f"http://127.0.0.1:{server.port}"
    return providers


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(
        tmp_path_factory.mktemp("clips") / "c.mkv", seconds=0.5, width=64, height=48,
        audio_tracks=(), subtitle_tracks=(),
    )  # fmt: skip
