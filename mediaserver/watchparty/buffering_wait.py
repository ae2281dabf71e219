"""A live room's buffering wait: members' reported states, whom a playing room pauses for, and
when it plays on.

A member who was watching in step and starts buffering makes a playing room pause for it, once
the settling time after the last command is over (members seeking to a command buffer as a
matter of course). The room plays on when everyone it waits for is ready again, or when the
room's `buffer_wait_seconds` is over, whichever is first; the late ones then catch up.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from mediaserver.watchparty.connection import Link
from mediaserver.watchparty.live_member import LiveMember, now_ms

if TYPE_CHECKING:
    from mediaserver.watchparty.room import LiveRoom

# Buffering right after a command starts (members seeking to it) is expected: only buffering
# that lasts past this makes the room wait.
SETTLE_MS = 1500.0
# A member whose reported position is this close to the room's counts as in step.
IN_STEP_SECONDS = 1.0


class BufferingWait:
    """Whom the room waits for (`waiting`, member ids) and the timers that end the wait."""

    def __init__(self, room: LiveRoom) -> None:
        self.room = room
        self.waiting: set[int] = set()
        self._load_since_ms: float | None = None
        self._wait_timer: asyncio.TimerHandle | None = None
        self._settle_timer: asyncio.TimerHandle | None = None

    def report(self, live: LiveMember, link: Link, state: str, position: float) -> None:
        """A member's own state. Buffering after being in step makes a playing room wait."""
        room = self.room
        t = now_ms()
        previous, live.state, live.position = live.state, state, position
        expected = room.state.position_at(t)
        if state in ("watching", "paused"):
            same_play = (state == "watching") == room.state.playing or t < room.state.at_ms
            live.in_step = same_play and abs(position - expected) <= IN_STEP_SECONDS
        if state == "buffering":
            live.wants_wait = previous == "watching" and live.in_step
            if live.wants_wait and room.state.playing:
                self._consider_waiting()
        else:
            live.wants_wait = False
            loading = self._load_since_ms is not None
            if live.record.id in self.waiting and (
                not loading or link.attached_ms >= (self._load_since_ms or 0.0)
            ):
                self._stop_waiting_for(live.record.id)
        if previous != state:
            room.publish_members()

    def for_loading(self, seconds: float) -> None:
        """After a change of title: wait for every connected member to load the new file (a
        connection made before the change does not count as loaded), at most `seconds`."""
        self._load_since_ms = now_ms()
        self.waiting = {m.record.id for m in self.room.members.values() if m.links}
        self._arm_wait(seconds)

    def member_left(self, member_id: int) -> None:
        """A member's last connection closed: the room no longer waits for it (unless loading a
        new title, where it may come back in time)."""
        if member_id in self.waiting and self._load_since_ms is None:
            self._stop_waiting_for(member_id)

    def arm_settle(self) -> None:
        """A command was scheduled: look at who buffers once it has settled."""
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        delay = max(0.0, self.room.state.at_ms + SETTLE_MS - now_ms()) / 1000.0
        self._settle_timer = asyncio.get_running_loop().call_later(delay, self._settled)

    def clear(self) -> None:
        self.waiting = set()
        self._load_since_ms = None
        if self._wait_timer is not None:
            self._wait_timer.cancel()
            self._wait_timer = None

    def cancel(self) -> None:
        """The room ended: no wait, no timer left."""
        self.clear()
        if self._settle_timer is not None:
            self._settle_timer.cancel()

    def _consider_waiting(self) -> None:
        room = self.room
        if not room.state.playing or room.record.buffer_wait_seconds <= 0:
            return
        settled_at = room.state.at_ms + SETTLE_MS
        if now_ms() < settled_at:
            self.arm_settle()
            return
        stalled = {
            m.record.id
            for m in room.members.values()
            if m.links and m.wants_wait and m.state == "buffering"
        }
        if stalled:
            self.waiting = stalled
            room.schedule(playing=False)
            self._arm_wait(room.record.buffer_wait_seconds)

    def _settled(self) -> None:
        self._settle_timer = None
        if not self.room.ended and not self.waiting:
            self._consider_waiting()

    def _arm_wait(self, seconds: float) -> None:
        if self._wait_timer is not None:
            self._wait_timer.cancel()
        self._wait_timer = asyncio.get_running_loop().call_later(seconds, self._wait_over)

    def _wait_over(self) -> None:
        """Nobody waits longer than the room allows: play on; the late ones catch up."""
        self._wait_timer = None
        if self.room.ended or not self.waiting:
            return
        for member_id in self.waiting:
            live = self.room.members.get(member_id)
            if live is not None:
                live.in_step = live.wants_wait = False
        self.waiting = set()
        self._load_since_ms = None
        self.room.schedule(playing=True)

    def _stop_waiting_for(self, member_id: int) -> None:
        self.waiting.discard(member_id)
        if not self.waiting:
            self.clear()
            self.room.schedule(playing=True)
        else:
            self.room.publish_state()
