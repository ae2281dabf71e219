"""reconcile_packaging: files in preencode/hybrid libraries without a current ladder get exactly
one "media.package" job, whether the scan ran in the CLI, the jobs were lost, or nothing changed."""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediaserver.cli.scan import scan_command
from mediaserver.db.catalog_schema import libraries, media_files
from mediaserver.db.packaging_schema import ladders
from mediaserver.db.schema import jobs
from mediaserver.library.libraries import create_library
from mediaserver.packaging import store
from mediaserver.packaging.reconcile import PACKAGE_JOB, reconcile_packaging
from tests.media_factory import make_video
from tests.packaging.helpers import add_media_file, mark_published


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clips") / "clip.mkv", seconds=0.5)


async def package_jobs(db) -> list[tuple[int, str]]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(jobs.c.payload, jobs.c.status)
            .where(jobs.c.type == PACKAGE_JOB)
            .order_by(jobs.c.id)
        )
        return [(r.payload["media_file_id"], r.status) for r in rows]


async def set_values(db, table, row_id_col, row_id: int, **values) -> None:
    async with db.write() as conn:
        await conn.execute(table.update().where(row_id_col == row_id).values(**values))


async def test_cli_scan_queues_packaging(db, settings, tmp_path, clip) -> None:

    for name in ("Big Test (2020)", "Other Film (2019)"):
        folder = tmp_path / "movies" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.mkv").write_bytes(clip.read_bytes())
    await create_library(db, "Movies", "movies", [str(tmp_path / "movies")], "preencode")
    out = StringIO()
    assert await scan_command(settings, "Movies", out=out) == 0
    assert "Queued packaging of 2 file(s)" in out.getvalue()
    async with db.read() as conn:
        ids = sorted((await conn.execute(sa.select(media_files.c.id))).scalars())
    assert await package_jobs(db) == [(i, "queued") for i in ids]
    assert [(await store.get_ladder(db, i)).status for i in ids] == ["queued", "queued"]
    # A second scan (nothing changed) and a reconcile queue nothing more.
    out = StringIO()
    assert await scan_command(settings, "Movies", out=out) == 0
    assert "Queued packaging" not in out.getvalue()
    assert await reconcile_packaging(db) == 0
    assert len(await package_jobs(db)) == 2


async def test_lost_jobs_are_queued_again_once(db, tmp_path) -> None:
    first = await add_media_file(db, str(tmp_path), "a.mkv")
    second = await add_media_file(db, str(tmp_path), "b.mkv")
    assert await reconcile_packaging(db) == 2
    assert await reconcile_packaging(db) == 0
    assert await package_jobs(db) == [(first, "queued"), (second, "queued")]
    # A crash lost the jobs (the ladder rows still say "queued"): they come back, once.
    async with db.write() as conn:
        await conn.execute(jobs.delete())
    assert await reconcile_packaging(db) == 2
    assert await reconcile_packaging(db) == 0
    # A running job covers its file; a finished one does not.
    async with db.write() as conn:
        await conn.execute(jobs.update().values(status="running"))
    assert await reconcile_packaging(db) == 0
    async with db.write() as conn:
        await conn.execute(jobs.update().values(status="succeeded"))
    assert await reconcile_packaging(db) == 2


async def test_current_ladder_gets_nothing_changed_source_does(db, tmp_path) -> None:
    legacy = await add_media_file(db, str(tmp_path), "legacy.mkv")
    await mark_published(db, legacy)  # no source size/mtime recorded
    current = await add_media_file(db, str(tmp_path), "current.mkv", size=10, mtime=100.0)
    await mark_published(db, current, source_size=10, source_mtime=100.0)
    assert await reconcile_packaging(db) == 0

    # The file changed since its ladder was made: a new one is queued; the old one still serves.
    await set_values(db, media_files, media_files.c.id, current, size=11, mtime=200.0)
    assert await reconcile_packaging(db) == 1
    assert await package_jobs(db) == [(current, "queued")]
    ladder = await store.get_ladder(db, current)
    assert ladder is not None and ladder.published
    # A ladder without source details that predates the file's latest probe is stale too.
    await set_values(db, media_files, media_files.c.id, legacy, probed_at=time.time() + 60)
    assert await reconcile_packaging(db) == 1
    assert [f for f, _ in await package_jobs(db)] == [current, legacy]


async def test_failed_ladder_waits_until_the_file_changes(db, tmp_path) -> None:
    file_id = await add_media_file(db, str(tmp_path), probed_at=time.time() - 60)
    await store.set_status(db, file_id, "failed", error="broken")
    assert await reconcile_packaging(db) == 0
    await set_values(db, media_files, media_files.c.id, file_id, probed_at=time.time() + 60)
    assert await reconcile_packaging(db) == 1


async def test_other_files_and_policies_get_nothing(db, tmp_path) -> None:
    await add_media_file(db, str(tmp_path / "p"), "extra.mkv", extra_kind="trailer")
    await add_media_file(db, str(tmp_path / "p"), "gone.mkv", removed_at=time.time())
    await add_media_file(db, str(tmp_path / "p"), "bad.mkv", status="failed")
    on_the_fly = await add_media_file(db, str(tmp_path / "p"), "fly.mkv")
    (tmp_path / "s").mkdir()
    await create_library(db, "Streamed", "movies", [str(tmp_path / "s")], "on_the_fly")
    async with db.write() as conn:
        lib = await conn.scalar(sa.select(libraries.c.id).where(libraries.c.name == "Streamed"))
        await conn.execute(
            media_files.update().where(media_files.c.id == on_the_fly).values(library_id=lib)
        )
    assert await reconcile_packaging(db) == 0
    assert await package_jobs(db) == []
    async with db.read() as conn:
        assert (await conn.execute(sa.select(ladders))).first() is None
