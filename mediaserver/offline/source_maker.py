"""The source downloads being made: one making per cached file however many requests ask, each
in a worker thread writing its file in order so that requests stream it as it grows; at most
`max_encodes` encodes at once (a remux only reads and copies, so it never waits), the others
queued first come, first made.

A remux's file is named by its plan's key alone: every making of it is the same bytes, so its
ETag is the key and a download resumed after the file was swept and made again still fits. An
encode's bytes may differ between makings, so its name (and ETag) adds when it was started.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from mediaserver.offline import source_encode, source_remux
from mediaserver.offline.source_mp4 import SourcePlan

FOLDER = "offline-source"


@dataclass(frozen=True, slots=True)
class Queued:
    """Waiting for an encode to end: 1 is next."""

    position: int
    ahead_encoding: int


@dataclass(slots=True)
class SourceFile:
    """An MP4 made from a source, or being made: requests stream it as it grows. Written by
    the making's thread, read by requests (plain attributes: each is set once, in order)."""

    key: str
    name: str  # the made file's stem, which is its ETag
    final: Path
    part: Path
    remux: bool
    size: int | None = None  # the whole file's, once known (a remux knows it from the start)
    started: bool = False  # its first bytes are written
    done: bool = False
    error: str | None = None
    stop: bool = False  # set when the server stops: the making ends at its next write

    @property
    def etag(self) -> str:
        return f'"{self.name}"'

    @property
    def path(self) -> Path:
        return self.final if self.done else self.part


def write_all(handle, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[handle.write(view) :]


def make(plan: SourcePlan, made: SourceFile) -> None:
    """Write the plan's MP4 at `made.part` in order, then move it to `made.final`."""
    made.final.parent.mkdir(parents=True, exist_ok=True)
    try:
        with made.part.open("wb", buffering=0) as handle:

            def write(data: bytes | memoryview) -> None:
                if made.stop:
                    raise RuntimeError("the server is stopping")
                write_all(handle, data)
                if not made.remux:
                    made.started = True

            def announce(size: int) -> None:
                made.size, made.started = size, True

            if made.remux:
                source_remux.remux(plan, write, announce)
            else:
                source_encode.encode(plan, write)
                made.size = handle.tell()
        os.replace(made.part, made.final)
        made.done = True
    finally:
        made.part.unlink(missing_ok=True)


class SourceMaker:
    """The MP4s being made now, and those queued for an encode slot."""

    def __init__(self, cache_dir: Path, max_encodes: int) -> None:
        self.folder = Path(cache_dir) / FOLDER
        self.max_encodes = max(1, max_encodes)
        self._making: dict[str, tuple[SourceFile, asyncio.Task[None]]] = {}
        self._queue: OrderedDict[str, SourcePlan] = OrderedDict()
        self._failed: dict[str, str] = {}  # told to the next request, which may try again

    def _made(self, plan: SourcePlan) -> SourceFile | None:
        if plan.remux:
            found = [self.folder / f"{plan.key}.mp4"]
        else:
            found = sorted(self.folder.glob(f"{plan.key}.*.mp4"))
        path = found[-1] if found else None
        if path is None or not path.is_file():
            return None
        made = SourceFile(plan.key, path.stem, path, path, plan.remux, path.stat().st_size)
        made.started = made.done = True
        return made

    def lookup(self, plan: SourcePlan) -> SourceFile | Queued:
        """The made file, the making under way (started if needed), or the place in the queue
        of encodes. A failed making raises RuntimeError with the reason once (the request after
        tries again)."""
        if plan.key in self._making:
            return self._making[plan.key][0]
        made = self._made(plan)
        if made is not None:
            return made
        failed = self._failed.pop(plan.key, None)
        if failed is not None:
            raise RuntimeError(failed)
        if not plan.remux and (plan.key in self._queue or self.encoding >= self.max_encodes):
            self._queue.setdefault(plan.key, plan)
            return Queued(list(self._queue).index(plan.key) + 1, self.encoding)
        return self._start(plan)

    def _start(self, plan: SourcePlan) -> SourceFile:
        name = plan.key if plan.remux else f"{plan.key}.{time.time_ns():020x}"
        final = self.folder / f"{name}.mp4"
        part = self.folder / f"{name}.mp4.{os.getpid()}.part"
        made = SourceFile(plan.key, name, final, part, plan.remux)
        task = asyncio.create_task(asyncio.to_thread(make, plan, made))
        task.add_done_callback(functools.partial(self._done, made))
        self._making[plan.key] = (made, task)
        return made

    def _done(self, made: SourceFile, task: asyncio.Task[None]) -> None:
        del self._making[made.key]
        error = None if task.cancelled() else task.exception()
        if error is not None or task.cancelled():
            made.error = (str(error) or type(error).__name__) if error else "cancelled"
            self._failed[made.key] = made.error
        while self._queue and self.encoding < self.max_encodes:
            _key, plan = self._queue.popitem(last=False)
            self._start(plan)

    @property
    def encoding(self) -> int:
        """How many encodes are running now."""
        return sum(1 for made, _task in self._making.values() if not made.remux)

    @property
    def busy(self) -> int:
        """How many MP4s are being made now."""
        return len(self._making)

    def sweep(self, older_than: float) -> int:
        """Delete made files (and leftovers of a crash) last written before `older_than`."""
        gone = 0
        for path in self.folder.glob("*.mp4*") if self.folder.is_dir() else ():
            key = path.name.split(".", 1)[0]
            if key in self._making or path.stat().st_mtime >= older_than:
                continue
            path.unlink(missing_ok=True)
            gone += 1
        return gone

    async def close(self) -> None:
        """Stop: queued encodes are dropped, those running end at their next write (a long
        encode does not hold the server's shutdown); their partial files are deleted."""
        self._queue.clear()
        for made, _task in self._making.values():
            made.stop = True
        if self._making:
            await asyncio.wait([task for _made, task in self._making.values()])
