"""Settings changed while the server runs: the admin settings page changes the values on the
live Settings object in place (every component that reads `app[config_key]` or kept a section
object sees them), then calls what domains registered here, so a component that copied a value
at start-up (a limiter's numbers, a thread pool's size, a watcher that is on or off) can pick
up the new one.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.keys import config_key

log = logging.getLogger(__name__)

SettingsListener = Callable[[Settings], Awaitable[None] | None]
settings_listeners_key: web.AppKey[list[SettingsListener]] = web.AppKey("settings_listeners")


def on_settings_change(app: web.Application, listener: SettingsListener) -> None:
    """Call `listener(settings)` after the admin changed settings at run time (during setup)."""
    app.setdefault(settings_listeners_key, []).append(listener)


async def settings_changed(app: web.Application) -> list[str]:
    """Tell every listener; returns what failed, in words (one listener failing stops no other)."""
    failed: list[str] = []
    for listener in app.get(settings_listeners_key, []):
        try:
            result = listener(app[config_key])
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.exception("applying changed settings failed in %r", listener)
            failed.append(f"{getattr(listener, '__qualname__', listener)}: {exc}")
    return failed
