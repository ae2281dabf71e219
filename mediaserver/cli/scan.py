"""`mediaserver scan [--library NAME]`: scan in this process, printing progress and a summary.

Afterwards packaging jobs are queued (straight into the database) for files in preencode or
hybrid libraries that have no current ladder; the server's job runner does the work."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any, TextIO

from mediaserver import library, packaging
from mediaserver.cli.common import with_db
from mediaserver.config import Settings
from mediaserver.errors import NotFound

PROGRESS_EVERY = 1.0  # seconds between progress lines


def _printer(out: TextIO) -> library.Progress:
    last = [0.0]

    async def progress(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done == total:
            last[0] = now
            print(f"  {message}", file=out, flush=True)

    return progress


async def scan_command(settings: Settings, name: str | None, out: TextIO | None = None) -> int:
    """Scan every library, or the one called `name`; 0 when done, 1 for an unknown library."""
    stream = out or sys.stdout

    async def work(db: Any) -> int:
        try:
            results = await library.scan_now(db, settings, name, _printer(stream))
        except NotFound as exc:
            print(f"mediaserver: {exc.detail}", file=sys.stderr)
            return 1
        if not results:
            print("No libraries yet: add one under Admin > Libraries.", file=stream)
        for stats in results:
            print(summary_line(stats), file=stream)
            for failure in stats.failures:
                print(f"  failed: {failure!r}", file=stream)
        queued = await packaging.reconcile_packaging(db)
        if queued:
            print(f"Queued packaging of {queued} file(s); the server runs the jobs.", file=stream)
        return 0

    return await with_db(settings, work)


def summary_line(stats: library.ScanStats) -> str:
    return f"{stats.library_name or stats.library_id}: {stats.summary()}"


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(scan_command(settings, args.library))
