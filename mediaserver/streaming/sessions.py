"""On-the-fly sessions: one PyAV thread per (play, file, mode, variant, rung), made on demand.

A request for a segment that is not cached finds its session (or starts one at that segment) and
waits, without blocking the event loop, until the thread has written it. The thread runs at most
`run_ahead_segments` past the latest requested segment, then waits. A request far from the
encoder (more than RESTART_DISTANCE ahead, or before where the session started) restarts it there.
At most `max_sessions` threads run at once (a restart replaces its own thread, it does not count
twice); beyond that a new session is refused with 503 + Retry-After. Sessions nobody fetched from
for `idle_timeout_seconds` are stopped; so is a session whose only waiting request went away (the
client disconnected) and that nobody asked anything of for ABANDON_SECONDS after; so are a play's
sessions when an admin stops the play, and every session at shutdown.

First segments come first: while a session is making the first segment of its run (a viewer
pressed play or seeked and waits for a picture), the other sessions make only segments that a
request is waiting for, not their run-ahead, so the machine's cores go to the waiting viewer.
Threads wait on one condition, notified whenever a request moves a session or a first segment is
done (no polling loop decides anything; the timed wait is only a safety net).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mediaserver.media.live.session import LiveError, LiveSpec, run_live
from mediaserver.streaming.segment_cache import SegmentCache
from mediaserver.streaming.session_run import INIT, INIT_NAME, Hooks, Run, join_all

log = logging.getLogger(__name__)

RESTART_DISTANCE = 2  # segments ahead of the encoder that are still worth waiting for
WAIT_SECONDS = 30.0  # a request waits this long for its segment, then gets 503
RETRY_AFTER = 2
ABANDON_SECONDS = 5.0  # a session whose waiting client went away stops after this long unused

SessionKey = tuple[str, int, str, str, str]  # play_id, media_file_id, mode, variant, rung


class SessionsFull(Exception):
    """max_sessions are running; retry later."""


class SessionFailed(Exception):
    """The session's thread ended with an error; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Session:
    def __init__(
        self, key: SessionKey, spec: LiveSpec, folder: Path, cond: threading.Condition
    ) -> None:
        self.key = key
        self.spec = spec
        self.folder = folder
        self.requested = 0
        self.last_access = time.monotonic()
        self.run: Run | None = None
        self.cond = cond  # the manager's: shared by every session
        self.waiters: dict[int, list[asyncio.Future[None]]] = {}

    @property
    def running(self) -> bool:
        run = self.run
        return run is not None and not run.done

    def position(self) -> int:
        run = self.run
        return -1 if run is None else max(run.produced, run.start - 1)


class SessionManager:
    def __init__(
        self,
        cache: SegmentCache,
        *,
        max_sessions: int,
        run_ahead: int,
        idle_timeout: float,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self.cache = cache
        self.max_sessions = max_sessions
        self.run_ahead = run_ahead
        self.idle_timeout = idle_timeout
        self.wait_seconds = wait_seconds
        self.sessions: dict[SessionKey, Session] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._reaper: asyncio.Task[None] | None = None
        self.closed = False
        self.cond = threading.Condition()
        self.starting: set[Run] = set()  # runs still making their first segment (under cond)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._reaper = self.loop.create_task(self._reap())

    async def close(self) -> None:
        self.closed = True
        if self._reaper is not None:
            self._reaper.cancel()
        runs = [s.run for s in self.sessions.values() if s.run is not None]
        for session in list(self.sessions.values()):
            self._stop(session)
        self.sessions.clear()
        await asyncio.to_thread(join_all, runs)

    def running_count(self) -> int:
        return sum(1 for s in self.sessions.values() if s.running)

    async def _reap(self) -> None:
        period = min(5.0, max(0.2, self.idle_timeout / 4))
        while True:
            await asyncio.sleep(period)
            self.reap_idle()

    def reap_idle(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        idle = [s for s in self.sessions.values() if now - s.last_access > self.idle_timeout]
        for session in idle:
            log.info("stopping idle on-the-fly session %s", session.key[1:])
            self._forget(session)
        return len(idle)

    def stop_play(self, play_id: str) -> None:
        """An admin stopped this play: end its sessions."""
        for session in [s for s in self.sessions.values() if s.key[0] == play_id]:
            self._forget(session)

    def stop_file(self, media_file_id: int) -> None:
        for session in [s for s in self.sessions.values() if s.key[1] == media_file_id]:
            self._forget(session)

    def _forget(self, session: Session) -> None:
        self._stop(session)
        self.sessions.pop(session.key, None)

    # -- serving ---------------------------------------------------------------------------------

    def touch(self, key: SessionKey, n: int) -> None:
        """A cached segment was served: the session is in use, and the player is at n."""
        session = self.sessions.get(key)
        if session is None:
            return
        session.last_access = time.monotonic()
        if n >= 0:
            with session.cond:
                session.requested = n
                session.cond.notify_all()

    async def segment(self, key: SessionKey, spec: Callable[[], LiveSpec], folder: Path, n: int):
        """The path of segment n (INIT: the init segment) once it is written. Raises
        SessionsFull, SessionFailed, TimeoutError."""
        if self.closed:
            raise SessionsFull()  # shutting down: no new encoder threads
        session = self.sessions.get(key)
        if session is None:
            if self.running_count() >= self.max_sessions:
                raise SessionsFull()
            session = Session(key, spec(), folder, self.cond)
            self.sessions[key] = session
        session.last_access = entered = time.monotonic()
        if n != INIT:
            with session.cond:
                session.requested = n
                session.cond.notify_all()
        path = folder / (INIT_NAME if n == INIT else self.cache.segment_name(n))
        if path.is_file():
            return path
        run = session.run
        if n == INIT:
            far = run is None or (run.init_sent and not path.is_file())  # made, then removed
        else:
            # Before the run's start, past what it will soon reach, or already made by it and
            # gone (evicted from the cache): only a run started there will make it.
            far = (
                run is None
                or n < run.start
                or n > session.position() + RESTART_DISTANCE
                or (n <= run.produced and not path.is_file())
            )
        if far or run.done:
            if not session.running and self.running_count() >= self.max_sessions:
                raise SessionsFull()
            self._restart(session, max(n, session.requested, 0))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        session.waiters.setdefault(n, []).append(future)
        try:
            await asyncio.wait_for(asyncio.shield(future), self.wait_seconds)
        except asyncio.CancelledError:
            self._abandoned(session, entered)  # the client went away
            raise
        finally:
            waiting = session.waiters.get(n, [])
            if future in waiting:
                waiting.remove(future)
        if path.is_file():
            return path
        raise SessionFailed("the segment could not be made")

    def _abandoned(self, session: Session, entered: float) -> None:
        """The request that came in at `entered` went away before its segment was made."""
        loop = self.loop
        if loop is not None:
            loop.call_later(ABANDON_SECONDS, self._drop_if_unused, session, entered)

    def _drop_if_unused(self, session: Session, entered: float) -> None:
        if self.sessions.get(session.key) is not session or session.last_access != entered:
            return  # asked for since that request came in (or already gone)
        if any(session.waiters.values()):
            return
        log.info("stopping abandoned on-the-fly session %s", session.key[1:])
        self._forget(session)

    def _restart(self, session: Session, n: int) -> None:
        self._stop(session)
        run = Run(start=n)
        session.run = run
        with self.cond:
            self.starting.add(run)
            if n >= 0:
                session.requested = n
        thread = threading.Thread(
            target=self._work, args=(session, run), name=f"live-{session.key[1]}", daemon=True
        )
        run.thread = thread
        thread.start()

    def _stop(self, session: Session) -> None:
        run = session.run
        if run is None:
            return
        run.stop.set()
        with session.cond:
            session.cond.notify_all()

    # -- the thread ------------------------------------------------------------------------------

    def _work(self, session: Session, run: Run) -> None:
        hooks = Hooks(self, session, run)
        try:
            run_live(session.spec, run.start, hooks)
        except LiveError as exc:
            run.error = exc.reason
            log.warning("on-the-fly session %s failed: %s", session.key[1:], exc.reason)
        except Exception as exc:  # a bug or an OS error: the session ends, the server goes on
            run.error = f"the stream failed ({exc.__class__.__name__})"
            log.exception("on-the-fly session %s crashed", session.key[1:])
        finally:
            run.done = True
            self.first_segment_done(run)
            self.wake(session, None, run)

    def first_segment_done(self, run: Run) -> None:
        """The run's first segment is done (or it ended): the others may run ahead again."""
        with self.cond:
            if run in self.starting:
                self.starting.discard(run)
                self.cond.notify_all()

    def wake(self, session: Session, n: int | None, run: Run) -> None:
        """From the thread: segment n is written (None: the run ended)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody waits any more
            loop.call_soon_threadsafe(self._resolve, session, n, run)

    def _resolve(self, session: Session, n: int | None, run: Run) -> None:
        if n is not None:
            for future in session.waiters.pop(n, []):
                if not future.done():
                    future.set_result(None)
            return
        # The run ended: waiters whose segment it will never make get the reason.
        for segment, futures in list(session.waiters.items()):
            if session.run is not run:
                return
            for future in futures:
                if not future.done():
                    if run.error:
                        future.set_exception(SessionFailed(run.error))
                    else:
                        future.set_result(None)
            session.waiters.pop(segment, None)
