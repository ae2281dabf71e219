"""Hardware encoder detection at start-up: `hwaccel_ctx` and what it leaves in `app[hwaccel_key]`.

Detection (`media.hwaccel.detect`) encodes a few frames per candidate, which takes a moment and
touches drivers, so it runs in a thread while the server already serves; the admin page shows
"detecting" until it is done, and packaging jobs wait for the result before choosing an encoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.keys import config_key
from mediaserver.media.hwaccel import SOFTWARE, HwaccelStatus, detect, log_status


class HwaccelState:
    """The status (a "detecting" placeholder until detection is done) and a way to wait for it."""

    def __init__(self, requested: str) -> None:
        self.status = HwaccelStatus(
            requested,
            SOFTWARE["h264"],
            reason="detecting hardware encoders…" if requested != "none" else "",
            detecting=True,
        )
        self._done = asyncio.Event()
        self.lock = asyncio.Lock()  # one detection at a time
        self.background: asyncio.Task[HwaccelStatus] | None = None

    def set(self, status: HwaccelStatus) -> None:
        self.status = status
        self._done.set()

    async def ready(self) -> HwaccelStatus:
        await self._done.wait()
        return self.status


hwaccel_key: web.AppKey[HwaccelState] = web.AppKey("hwaccel", HwaccelState)


def requested_hwaccel(settings: Settings) -> str:
    return settings.transcoding.hwaccel


async def run_detection(state: HwaccelState, requested: str) -> HwaccelStatus:
    try:
        status = await asyncio.to_thread(detect, requested)
    except Exception as exc:  # detection must never take the server down
        status = HwaccelStatus(
            requested,
            SOFTWARE["h264"],
            reason=f"hardware detection failed ({exc}); using {SOFTWARE['h264']} (software)",
        )
    log_status(status)
    state.set(status)
    return status


async def hwaccel_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after storage, before jobs): detect hardware encoders in a thread."""
    requested = requested_hwaccel(app[config_key])
    state = HwaccelState(requested)
    app[hwaccel_key] = state
    task = asyncio.create_task(run_detection(state, requested), name="hwaccel-detect")
    try:
        yield
    finally:
        for running in (task, state.background):
            if running is not None:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running


def encoder_status(app: web.Application) -> HwaccelStatus | None:
    """Which video encoder packaging uses and why; None before detection has started."""
    state = app.get(hwaccel_key)
    return None if state is None else state.status


async def detect_again(app: web.Application) -> HwaccelStatus:
    """Detect once more for the current transcoding.hwaccel (Admin > Settings), in a thread;
    packaging jobs that start meanwhile use the previous answer."""
    state = app[hwaccel_key]
    async with state.lock:
        state.status = dataclasses.replace(state.status, detecting=True)
        return await run_detection(state, requested_hwaccel(app[config_key]))


def hwaccel_settings_changed(app: web.Application, settings: Settings) -> None:
    """A different transcoding.hwaccel was saved: detect for it in the background."""
    state = app.get(hwaccel_key)
    if state is None or state.status.requested == requested_hwaccel(settings):
        return
    state.status = dataclasses.replace(state.status, detecting=True)  # the page says so at once
    state.background = asyncio.create_task(detect_again(app), name="hwaccel-redetect")
