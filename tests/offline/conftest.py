"""Fixtures: one real packaged ladder (two audio renditions, B-frames), published for seeded
movies in the app's storage, and a signed-in browser with a profile."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import libraries
from mediaserver.keys import db_key, storage_key
from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from tests.catalog.seed import Catalog
from tests.media_factory import make_video
from tests.packaging.helpers import mark_published, sign_in_with_profile

SECONDS = 4
FPS = 24
VTT = (
    "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHallo <b>Welt</b>\n\n"
    "00:00:03.000 --> 00:00:03.500\nZwei\n"
)


@dataclass(frozen=True)
class Built:
    folder: Path
    rungs: list[dict[str, Any]]
    audio: list[dict[str, Any]]


@pytest.fixture(scope="session")
def ladder_dir(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Packaged once per run: 4 s, 320x240, H.264 with B-frames, English and French audio."""
    root = tmp_path_factory.mktemp("offline")
    source = make_video(
        root / "source.mkv", seconds=SECONDS, width=320, height=240, fps=FPS,
        audio_tracks=(("eng", 2), ("fre", 2)), subtitle_tracks=(),
    )  # fmt: skip
    out = root / "ladder"
    result = build_ladder(source, out, LadderProfile(preset="veryfast", rungs=("360p",)))
    (out / "subs" / "ger").mkdir(parents=True)
    (out / "subs" / "ger" / "subs.vtt").write_text(VTT, encoding="utf-8")
    rungs = [{"name": r.name, "width": r.width, "height": r.height} for r in result.rungs]
    audio = [
        {"name": a.name, "source_index": a.source_index, "language": a.language,
         "default": a.default, "channels": a.channels}
        for a in result.audio
    ]  # fmt: skip
    return Built(out, rungs, audio)


async def publish(client: TestClient, built: Built, file_id: int) -> str:
    """The built ladder as this file's published ladder; returns its storage prefix."""
    app = client.server.app
    prefix = f"ladders/{file_id}/v1"
    for path in sorted(built.folder.rglob("*")):
        if path.is_file():
            await app[storage_key].put_file(f"{prefix}/{path.relative_to(built.folder)}", path)
    subtitles = [{
        "language": "ger", "name": "ger", "key": f"{prefix}/subs/ger/subs.vtt",
        "source": "sidecar", "format": "srt",
    }]  # fmt: skip
    await mark_published(
        app[db_key], file_id, storage_prefix=prefix, rungs=built.rungs, audio=built.audio,
        subtitles=subtitles, duration_seconds=float(SECONDS), published_at=time.time(),
    )  # fmt: skip
    return prefix


async def packaged_movie(client: TestClient, built: Built, name: str, rating: str = "R") -> int:
    """A seeded movie whose file has the real ladder published; returns the file id."""
    db = client.server.app[db_key]
    catalog = Catalog(db)
    async with db.read() as conn:
        query = sa.select(libraries.c.id).where(libraries.c.name == "Seeded")
        catalog.library_id = await conn.scalar(query)
    _title_id, file_id = await catalog.movie(name, rating=rating)
    await publish(client, built, file_id)
    return file_id


@pytest.fixture
async def oclient(make_app, aiohttp_client) -> TestClient:
    """The first-run admin, signed in, first profile chosen."""
    client = await aiohttp_client(make_app(library={"watch": False}))
    await sign_in_with_profile(client)
    return client
