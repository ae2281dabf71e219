"""Restarting the server from Admin > Settings, where the process allows it.

`mediaserver serve` marks the application restartable; a restart then stops the server the way
SIGTERM does (requests finish, jobs return to the queue, encoders stop) and `serve` starts the
same command again in the same process (exec), which reads the settings anew. An application run
any other way (embedded, a test) is not restarted: the page says to use the process manager.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

RESTART_DELAY = 0.5  # seconds: the answer that says "restarting" is sent first


def _stop_serving() -> None:
    # web.run_app turns SIGTERM into a graceful shutdown.
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class RestartControl:
    supported: bool = False  # set by `mediaserver serve`
    requested: bool = False
    stop: Callable[[], None] = _stop_serving

    def request(self) -> None:
        """Ask for the restart: the server stops shortly and `serve` starts it again."""
        if not self.supported:
            raise RuntimeError("this process cannot restart itself")
        self.requested = True
        asyncio.get_running_loop().call_later(RESTART_DELAY, self.stop)


restart_key: web.AppKey[RestartControl] = web.AppKey("restart", RestartControl)


def restart_control(app: web.Application) -> RestartControl:
    """The application's restart switch (`mediaserver serve` sets `supported`)."""
    return app[restart_key]
