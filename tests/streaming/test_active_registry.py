"""The active-streams registry: bandwidth over the last seconds, listing, stop and its callbacks."""

from __future__ import annotations

import asyncio
import time

from mediaserver.streaming import active
from mediaserver.streaming.active import ActiveStreams, device_label
from mediaserver.streaming.tokens import MediaGrant


def _grant(play_id: str = "00000000000000aa", ttl: float = 600) -> MediaGrant:
    return MediaGrant(1, 2, 3, 0, int(time.time() + ttl), play_id)


def _register(registry: ActiveStreams, grant: MediaGrant):
    return registry.register(
        grant, method="direct", reason="r", client="curl/8.0", title="T", rung=None
    )


async def test_bandwidth_listing_and_forgetting(monkeypatch):
    registry = ActiveStreams()
    _register(registry, _grant())
    registry.touch("00000000000000aa", nbytes=1_250_000, rung="720p")
    registry.touch("ffffffffffffffff", nbytes=10)  # unknown plays are ignored
    (entry,) = registry.listing()
    assert entry.rung == "720p" and entry.device == "curl"
    assert entry.bandwidth_bps() == 1_250_000 * 8 // active.BANDWIDTH_WINDOW
    # Ten seconds later the bytes no longer count; after ACTIVE_SECONDS it is not listed.
    assert entry.bandwidth_bps(time.time() + active.BANDWIDTH_WINDOW + 1) == 0
    assert registry.listing(time.time() + active.ACTIVE_SECONDS + 1) == []
    # Seen again (a paused player resumes): listed again, until its token expires.
    registry.touch("00000000000000aa", nbytes=1)
    assert registry.listing()
    _register(registry, _grant("00000000000000bb", ttl=-1))
    assert [e.play_id for e in registry.listing()] == ["00000000000000aa"]


async def test_stop_refuses_and_tells_listeners():
    registry = ActiveStreams()
    _register(registry, _grant())
    heard: list[str] = []

    async def async_listener(play_id: str) -> None:
        heard.append("async " + play_id)

    def broken(play_id: str) -> None:
        raise RuntimeError("listener bug")

    registry.on_stop(broken)
    registry.on_stop(heard.append)
    registry.on_stop(async_listener)
    assert registry.stop("00000000000000aa") is True
    await asyncio.sleep(0)
    assert heard == ["00000000000000aa", "async 00000000000000aa"]
    assert registry.is_stopped("00000000000000aa")
    assert registry.listing() == []
    assert registry.stop("00000000000000aa") is False
    await registry.close()


def test_device_labels():
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
    assert device_label(chrome) == "Chrome on Linux"
    assert device_label("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1") == (
        "Safari on iPhone"
    )
    assert device_label("Mozilla/5.0 (CrKey armv7l 1.5.16041) Chrome/31") == "Chromecast"
    assert device_label("") == "Unknown client"
