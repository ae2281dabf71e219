"""One run of an on-the-fly session's thread, and the hooks run_live calls from it (see
sessions.py for the manager that starts, moves and stops runs)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediaserver.streaming.sessions import Session, SessionManager

INIT = -1  # segment number standing for the init segment
INIT_NAME = "init.mp4"
JOIN_SECONDS = 10.0


@dataclass(eq=False)
class Run:
    """One thread of a session, from its start segment until it ends or is stopped."""

    start: int
    stop: threading.Event = field(default_factory=threading.Event)
    produced: int = -1  # the last segment written
    init_sent: bool = False
    error: str | None = None
    done: bool = False
    thread: threading.Thread | None = None
    # For the encoder speed the metrics report: media seconds made, and the time spent
    # waiting for the player (not encoding) since the run started.
    started: float = field(default_factory=time.monotonic)
    made_seconds: float = 0.0
    waited: float = 0.0
    waiting_since: float | None = None

    def encoding_speed(self, now: float | None = None) -> float:
        """Media seconds made per second spent encoding (waits for the player left out)."""
        now = time.monotonic() if now is None else now
        since = self.waiting_since
        busy = now - self.started - self.waited - (now - since if since is not None else 0.0)
        return self.made_seconds / busy if busy > 0 else 0.0


class Hooks:
    """What run_live calls, from the session's thread."""

    def __init__(self, manager: SessionManager, session: Session, run: Run) -> None:
        self.manager = manager
        self.session = session
        self.run = run

    def should_stop(self) -> bool:
        return self.run.stop.is_set()

    def wait_turn(self, segment: int) -> bool:
        session, manager, run = self.session, self.manager, self.run
        run.waiting_since = time.monotonic()
        try:
            return self._wait_turn(segment, session, manager, run)
        finally:
            run.waited += time.monotonic() - run.waiting_since
            run.waiting_since = None

    @staticmethod
    def _wait_turn(segment: int, session: Session, manager: SessionManager, run: Run) -> bool:
        with session.cond:
            while not run.stop.is_set():
                if segment <= session.requested + 1 or run.produced < session.requested:
                    # A request waits for it, or for one before it: a segment is whole only once
                    # later frames went in (the muxer cuts at the next keyframe, and it holds
                    # video back until audio of the same time arrives, which a badly interleaved
                    # file stores seconds later). So go on until the requested one is out.
                    return True
                if segment <= session.requested + manager.run_ahead and not (
                    manager.starting - {run}
                ):
                    return True  # run-ahead, when no other session makes a first segment
                session.cond.wait(1.0)
        return False

    def on_init(self, data: bytes) -> None:
        self.manager.cache.store_init(self.session.folder, data)
        self.run.init_sent = True
        self.manager.wake(self.session, INIT, self.run)

    def on_segment(self, segment: int, data: bytes) -> None:
        if self.run.stop.is_set():
            return
        self.manager.cache.store_segment(self.session.folder, segment, data)
        timeline = self.session.spec.timeline
        if 0 <= segment < timeline.count:
            self.run.made_seconds += timeline.extinf(segment)
        self.run.produced = segment
        self.manager.wake(self.session, segment, self.run)
        self.manager.first_segment_done(self.run)


def join_all(runs: list[Run]) -> None:
    deadline = time.monotonic() + JOIN_SECONDS
    for run in runs:
        if run.thread is not None:
            run.thread.join(max(0.0, deadline - time.monotonic()))
