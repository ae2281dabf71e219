"""A member as the live room sees it (connections, reported state, round trip), and the
server clock and serialisation every room message uses."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from mediaserver.accounts import Profile
from mediaserver.watchparty.connection import Link
from mediaserver.watchparty.records import MemberRecord


def now_ms() -> float:
    return time.time() * 1000.0


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class LiveMember:
    record: MemberRecord
    profile: Profile | None = None
    links: set[Link] = field(default_factory=set)
    state: str = "disconnected"
    position: float = 0.0
    in_step: bool = False
    rtt_ms: float = 0.0
    # Buffering that would make the room wait once the settling time after a command is over.
    wants_wait: bool = False

    def wire(self, host_member_id: int) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "user_id": r.user_id,
            "profile_name": r.profile_name,
            "avatar": r.avatar,
            "state": self.state if self.links else "disconnected",
            "is_host": r.id == host_member_id,
            "muted": r.muted,
        }
