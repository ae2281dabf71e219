"""`mediaserver serve` and `mediaserver migrate`: run the server, bring the schema up to date."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from aiohttp import web

from mediaserver import __version__, admin
from mediaserver.app import create_app
from mediaserver.cli.common import old_default_warning, paths_line
from mediaserver.config import Settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade
from mediaserver.http.live_settings import on_settings_change
from mediaserver.http.logs import AccessLogger, setup_logging

log = logging.getLogger("mediaserver")


def cmd_serve(settings: Settings, paths: str = "") -> int:
    setup_logging(settings.logging)
    if paths:
        log.info("%s", paths)
    warning = old_default_warning(settings)
    if warning:
        log.warning("%s", warning)
    app = create_app(settings)
    # This command owns the process: its logging follows saved settings, and it can restart.
    on_settings_change(app, lambda changed: setup_logging(changed.logging))
    restart = admin.restart_control(app)
    restart.supported = True
    log.info(
        "starting mediaserver %s on http://%s:%s",
        __version__,
        settings.server.host,
        settings.server.port,
    )
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        shutdown_timeout=settings.server.shutdown_timeout,
        handler_cancellation=True,
        access_log_class=AccessLogger,
        access_log=logging.getLogger("aiohttp.access"),
        print=None,
    )
    if restart.requested:
        restart_process()
    return 0


def restart_process() -> None:
    """Run this same command again in this process (Admin > Settings > Restart), after the
    server has shut down gracefully; the new one reads the settings anew."""
    log.info("restarting: %s", " ".join(sys.orig_argv))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def cmd_migrate(settings: Settings) -> int:
    async def run() -> int:
        db = create_database(
            settings.database_url, connect_timeout=settings.database.connect_timeout
        )
        try:
            await connect_checked(db, settings.database_url, settings.database.connect_timeout)
            before, after = await upgrade(db)
        finally:
            await db.close()
        print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
        return 0

    settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run())


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return cmd_serve(settings, paths_line(settings, args))
    return cmd_migrate(settings)
