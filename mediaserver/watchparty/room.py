"""A live room: the playback state every member follows, its members and their states, chat,
and the rules for commands and reconnects (the buffering wait is buffering_wait.py).

The server's clock is the reference. A command does not take effect when it arrives but at a
scheduled server time a little in the future (`lead_ms`), so that every member, having received
it, starts or stops at the same moment. Messages go out through the room's bus, serialised once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mediaserver.accounts import Profile
from mediaserver.db.engine import Database
from mediaserver.watchparty import store
from mediaserver.watchparty.buffering_wait import BufferingWait
from mediaserver.watchparty.bus import RoomBus
from mediaserver.watchparty.connection import Link
from mediaserver.watchparty.live_member import LiveMember, dumps, now_ms
from mediaserver.watchparty.records import (
    ChatRecord,
    MemberRecord,
    PlaybackState,
    RoomRecord,
)
from mediaserver.watchparty.saver import Saver, SeekCoalescer

MIN_LEAD_MS = 150.0
MAX_LEAD_MS = 1000.0
# After a change of title, members reload their player: the room waits at least this long.
LOAD_WAIT_SECONDS = 10.0
# Member list changes this close together go out as one list: after a play or pause every
# member reports a new state within moments, and one list beats one per member to everyone.
MEMBERS_DEBOUNCE_SECONDS = 0.1


class LiveRoom:
    def __init__(
        self,
        record: RoomRecord,
        members: list[MemberRecord],
        chat: list[ChatRecord],
        db: Database,
        bus: RoomBus,
    ) -> None:
        self.record = record
        self.state = record.state
        self.db = db
        self.bus = bus
        self.members = {m.id: LiveMember(m) for m in members}
        self.chat: deque[ChatRecord] = deque(chat, maxlen=store.CHAT_KEPT)
        self.wait = BufferingWait(self)
        self.ended = False
        self.empty_since: float | None = time.time()
        self._members_timer: asyncio.TimerHandle | None = None
        self._seeks = SeekCoalescer(self._apply_seek)
        self._saver = Saver(db)
        self._unsubscribe: dict[Link, Callable[[], None]] = {}

    # ----- what members see -----

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def host_member_id(self) -> int:
        for m in self.members.values():
            if m.record.profile_id == self.record.host_profile_id:
                return m.record.id
        return 0

    def links(self) -> list[Link]:
        return [link for m in self.members.values() for link in m.links]

    def connected(self) -> int:
        return sum(1 for m in self.members.values() if m.links)

    def state_wire(self) -> dict[str, Any]:
        r, s = self.record, self.state
        return {
            "id": r.id,
            "media_file_id": r.media_file_id,
            "title_id": r.title_id,
            "title_name": r.title_name,
            "playing": s.playing,
            "position": s.position,
            "at": s.at_ms,
            "rate": s.rate,
            "seq": s.seq,
            "control": r.control,
            "host_member_id": self.host_member_id,
            "buffer_wait_seconds": r.buffer_wait_seconds,
            "waiting_for": sorted(self.wait.waiting),
        }

    def members_wire(self) -> list[dict[str, Any]]:
        host = self.host_member_id
        return [m.wire(host) for m in self.members.values() if not m.record.removed]

    def publish(self, message: dict[str, Any]) -> None:
        self.bus.publish(self.id, dumps(message))

    def publish_state(self) -> None:
        self.publish({"type": "state", "room": self.state_wire()})
        self._persist()

    def publish_members(self) -> None:
        """Send the member list shortly, as it is then (see MEMBERS_DEBOUNCE_SECONDS)."""
        if self._members_timer is None:
            self._members_timer = asyncio.get_running_loop().call_later(
                MEMBERS_DEBOUNCE_SECONDS, self._send_members
            )

    def _send_members(self) -> None:
        self._members_timer = None
        if not self.ended:
            self.publish({"type": "members", "members": self.members_wire()})

    # ----- connections -----

    def attach(self, member: MemberRecord, profile: Profile, link: Link) -> None:
        """A member's connection joins: welcome it with the room as it is now."""
        live = self.members.get(member.id)
        if live is None:
            live = self.members[member.id] = LiveMember(member)
        live.profile = profile
        live.links.add(link)
        live.state, live.in_step, live.wants_wait = "paused", False, False
        link.attached_ms = now_ms()
        self.empty_since = None
        link.send(
            {
                "type": "welcome",
                "member_id": member.id,
                "server_time": now_ms(),
                "room": self.state_wire(),
                "members": self.members_wire(),
                "chat": [c.wire() for c in self.chat],
            }
        )
        self._unsubscribe[link] = self.bus.subscribe(self.id, link.deliver)
        self.publish_members()

    def detach(self, link: Link) -> None:
        unsubscribe = self._unsubscribe.pop(link, None)
        if unsubscribe is not None:
            unsubscribe()
        live = self.members.get(link.member_id)
        if live is None or link not in live.links:
            return
        live.links.discard(link)
        if not live.links:
            live.state = "disconnected"
            self.wait.member_left(live.record.id)
        if not self.connected():
            self.empty_since = time.time()
        if not self.ended:
            self.publish_members()

    def member(self, member_id: int) -> LiveMember | None:
        found = self.members.get(member_id)
        return None if found is None or found.record.removed else found

    def may_control(self, member_id: int) -> bool:
        return self.record.control == "everyone" or member_id == self.host_member_id

    # ----- playback commands -----

    def lead_ms(self) -> float:
        """How far ahead a command is scheduled: twice the slowest member's round trip."""
        rtts = [m.rtt_ms for m in self.members.values() if m.links]
        return min(max(2.0 * max(rtts, default=0.0), MIN_LEAD_MS), MAX_LEAD_MS)

    def schedule(
        self,
        *,
        playing: bool | None = None,
        position: float | None = None,
        rate: float | None = None,
        lead: float | None = None,
    ) -> None:
        at = now_ms() + (self.lead_ms() if lead is None else lead)
        s = self.state
        self.state = PlaybackState(
            playing=s.playing if playing is None else playing,
            position=s.position_at(at) if position is None else position,
            at_ms=at,
            rate=s.rate if rate is None else rate,
            seq=s.seq + 1,
        )
        self.publish_state()
        self.wait.arm_settle()

    def intends_to_play(self) -> bool:
        return self.state.playing or bool(self.wait.waiting)

    def play(self) -> None:
        self.wait.clear()
        self.schedule(playing=True)

    def pause(self) -> None:
        self.wait.clear()
        self.schedule(playing=False)

    def set_rate(self, rate: float) -> None:
        self.schedule(rate=rate)

    def seek(self, position: float) -> None:
        """Seek; seeks close together collapse into the latest (`SeekCoalescer`)."""
        self._seeks.seek(position)

    def seek_pending(self) -> bool:
        return self._seeks.pending

    def _apply_seek(self, position: float) -> None:
        if self.ended:
            return
        playing = self.intends_to_play()
        self.wait.clear()
        self.schedule(playing=playing, position=position)

    def change_title(self, record: RoomRecord) -> None:
        """Move the room to another file (the next episode): from its start, all together."""
        was_playing = self.intends_to_play()
        self.wait.clear()
        self.record = record
        self.state = PlaybackState(False, 0.0, now_ms(), self.state.rate, self.state.seq + 1)
        if was_playing:
            # Members reload their player for the new file; play once they all report
            # ready, or after the wait, whichever is first.
            self.wait.for_loading(max(record.buffer_wait_seconds, LOAD_WAIT_SECONDS))
        self.publish_state()

    # ----- member states -----

    def report(self, live: LiveMember, link: Link, state: str, position: float) -> None:
        """A member's own state (see BufferingWait.report)."""
        self.wait.report(live, link, state, position)

    # ----- membership and settings -----

    def set_member(self, record: MemberRecord) -> None:
        live = self.members.get(record.id)
        if live is None:
            self.members[record.id] = LiveMember(record)
        else:
            live.record = record

    def update_record(self, **changes: Any) -> None:
        self.record = replace(self.record, **changes)
        self.publish_state()

    def close_member(self, member_id: int, message: dict[str, Any], code: int) -> None:
        live = self.members.get(member_id)
        for link in list(live.links if live else ()):
            link.send(message)
            link.close(code)

    def shut(self, by: str = "") -> None:
        """The room ended: tell everyone, close every connection (4404), stop the timers."""
        self.ended = True
        self.wait.cancel()
        self._seeks.cancel()
        if self._members_timer is not None:
            self._members_timer.cancel()
        for link in self.links():
            link.send({"type": "ended", "by": by})
            link.close(4404)

    # ----- persistence -----

    def _persist(self) -> None:
        self._saver.save(lambda: replace(self.record, state=self.state))

    async def flush(self) -> None:
        await self._saver.flush()
