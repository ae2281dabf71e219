"""Library scan speed: first scan and unchanged rescan of 2,000 small files, against ffprobe.

A library of movies (folders with NFOs for some) and episodes (series / season folders) is made
from a handful of real tiny clips (PyAV) copied under 2,000 names. Then, through the code path of
`mediaserver scan` (`mediaserver.cli.scan.scan_command`: migrate, scan every library in this
process, print a summary):

- first scan: files/s (probe + naming + NFO + database writes);
- unchanged rescan: files/s (walk + one query + no probing);
- reference: `ffprobe -show_format -show_streams -show_chapters` over the same files, with as many
  processes at once as the scanner has threads, and the ratio first-scan / ffprobe.

    python bench/bench_scan.py                 # 2,000 files, SQLite in a temporary folder
    python bench/bench_scan.py --files 500 --postgres postgresql+asyncpg://postgres@127.0.0.1/test

Targets on a 2-core machine: first scan >= 100 files/s, so a library of a few thousand files is in
the catalog within a minute; unchanged rescan >= 2,000 files/s, so rescanning a large library that
did not change costs seconds, not minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import av  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from mediaserver.cli.scan import scan_command  # noqa: E402
from mediaserver.config_loading import load_settings  # noqa: E402
from mediaserver.db.engine import create_database  # noqa: E402
from mediaserver.db.migrate import upgrade  # noqa: E402
from mediaserver.library.libraries import create_library  # noqa: E402

CLIPS = 5
NFO = "<movie><title>{t}</title><plot>Plot of {t}.</plot><genre>Drama</genre>\
<actor><name>Actor {n}</name></actor></movie>"


def make_clip(path: Path, seed: int) -> Path:
    """A 0.5 s 96x64 H.264 + AAC Matroska clip."""
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=12, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for i in range(6):
            frame = av.VideoFrame(96, 64, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(seed * 40 + i * 9) % 255]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        samples = av.AudioFrame(format="fltp", layout="stereo", samples=24000)
        for plane in samples.planes:
            plane.update(bytes(plane.buffer_size))
        samples.sample_rate, samples.pts, samples.time_base = 48000, 0, Fraction(1, 48000)
        out.mux(audio.encode(samples))
        out.mux(audio.encode())
    return path


def make_library(root: Path, files: int) -> list[Path]:
    clips = [make_clip(root.parent / f"clip{i}.mkv", i) for i in range(CLIPS)]
    made: list[Path] = []
    movies = files * 3 // 5
    for i in range(movies):
        folder = root / "movies" / f"Movie Number {i} ({1950 + i % 70})"
        folder.mkdir(parents=True)
        target = folder / f"{folder.name}.mkv"
        shutil.copyfile(clips[i % CLIPS], target)
        if i % 4 == 0:
            (folder / "movie.nfo").write_text(NFO.format(t=f"Movie Number {i}", n=i))
        made.append(target)
    episodes = files - movies
    per_series = 20
    for i in range(episodes):
        series, number = divmod(i, per_series)
        season, episode = divmod(number, 10)
        folder = root / "shows" / f"Series {series} (2010)" / f"Season {season + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"Series {series} - S{season + 1:02d}E{episode + 1:02d}.mkv"
        shutil.copyfile(clips[i % CLIPS], target)
        made.append(target)
    past = time.time() - 3600  # sidecars older than any scan
    for path in root.rglob("*.nfo"):
        os.utime(path, (past, past))
    return made


def ffprobe_rate(paths: list[Path], workers: int) -> float:
    def one(path: Path) -> None:
        subprocess.run(
            [
                "ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
                "-of", "json", str(path),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, paths))
    return len(paths) / (time.perf_counter() - started)


async def timed_scan(settings, label: str) -> tuple[float, float]:  # noqa: ANN001
    """Run the `mediaserver scan` code path; (end-to-end files/s, scan-only files/s)."""
    out = io.StringIO()
    started = time.perf_counter()
    rc = await scan_command(settings, None, out=out)
    wall = time.perf_counter() - started
    text = out.getvalue()
    assert rc == 0, text
    summary = [line for line in text.splitlines() if "files:" in line]
    files = sum(int(re.search(r": (\d+) files:", line).group(1)) for line in summary)
    scan_seconds = sum(float(re.search(r" in ([\d.]+)s", line).group(1)) for line in summary)
    failed = sum(int(re.search(r"(\d+) failed", line).group(1)) for line in summary)
    assert failed == 0, text
    for line in summary:
        print(f"  {label}: {line.strip()}")
    return files / wall, files / scan_seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        base = Path(tmp)
        media = base / "media"
        media.mkdir()
        t0 = time.perf_counter()
        paths = make_library(media, args.files)
        print(f"library: {len(paths)} files generated in {time.perf_counter() - t0:.1f}s")
        overrides: dict = {"paths": {"data_dir": base / "data"}, "library": {"watch": False}}
        scratch = await _scratch_database(args.postgres) if args.postgres else None
        if scratch:
            overrides["database"] = {"url": scratch}
        settings = load_settings(environ={}, overrides=overrides)
        db = create_database(settings.database_url)
        await upgrade(db)
        await create_library(db, "Movies", "movies", [str(media / "movies")])
        await create_library(db, "Shows", "shows", [str(media / "shows")])
        await db.close()
        threads = settings.library.scan_threads or os.cpu_count() or 2

        first_e2e, first_scan = await timed_scan(settings, "first")
        again_e2e, again_scan = await timed_scan(settings, "rescan")
        reference = ffprobe_rate(paths, threads) if shutil.which("ffprobe") else None

        print(f"first scan:        {first_scan:8.0f} files/s  ({first_e2e:.0f} end to end)"
              "   target >= 100")  # fmt: skip
        print(f"unchanged rescan:  {again_scan:8.0f} files/s  ({again_e2e:.0f} end to end)"
              "   target >= 2000")  # fmt: skip
        if reference is not None:
            print(f"ffprobe x{threads}:       {reference:8.0f} files/s  (reference)")
            print(f"ratio first scan / ffprobe: {first_scan / reference:.2f}")
        else:
            print("ffprobe not installed: no reference (apt-get install ffmpeg)")
        if scratch:
            await _drop_database(args.postgres, scratch)


async def _scratch_database(url: str) -> str:
    """A fresh PostgreSQL database next to `url`'s (dropped afterwards): nothing else touched."""
    name = f"bench_scan_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _drop_database(url: str, scratch: str) -> None:
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        name = make_url(scratch).database
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
