"""`mediaserver scan [--library NAME]`: scan in this process, printing progress and a summary.

Afterwards packaging jobs are queued (straight into the database) for files in preencode or
hybrid libraries that have no current ladder; the server's job runner does the work."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from mediaserver.config import Settings
from mediaserver.errors import NotFound
from mediaserver.library.jobs import scan_all
from mediaserver.library.scanner import Scanner, ScanStats
from mediaserver.packaging.reconcile import reconcile_packaging

PROGRESS_EVERY = 1.0  # seconds between progress lines


def _printer(out: TextIO):  # noqa: ANN202 - returns the scanner's Progress callback
    last = [0.0]

    async def progress(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done == total:
            last[0] = now
            print(f"  {message}", file=out, flush=True)

    return progress


async def scan_command(settings: Settings, library: str | None, out: TextIO | None = None) -> int:
    """Scan every library, or the one named `library`; 0 when done, 1 for an unknown library."""
    from mediaserver.cli import _with_db  # the CLI's own migrate-then-run helper

    stream = out or sys.stdout

    async def work(db: Any) -> int:
        scanner = Scanner(db, settings)
        try:
            results = await scan_all(db, scanner, library, _printer(stream))
        except NotFound as exc:
            print(f"mediaserver: {exc.detail}", file=sys.stderr)
            return 1
        finally:
            scanner.close()
        if not results:
            print("No libraries yet: add one under Admin > Libraries.", file=stream)
        for stats in results:
            print(summary_line(stats), file=stream)
            for failure in stats.failures:
                print(f"  failed: {failure!r}", file=stream)
        queued = await reconcile_packaging(db)
        if queued:
            print(f"Queued packaging of {queued} file(s); the server runs the jobs.", file=stream)
        return 0

    return await _with_db(settings, work)


def summary_line(stats: ScanStats) -> str:
    return f"{stats.library_name or stats.library_id}: {stats.summary()}"
