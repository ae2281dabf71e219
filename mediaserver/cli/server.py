"""`mediaserver serve` and `mediaserver migrate`: run the server, bring the schema up to date."""

from __future__ import annotations

import argparse
import asyncio
import logging

from aiohttp import web

from mediaserver import __version__
from mediaserver.app import create_app
from mediaserver.cli.common import old_default_warning, paths_line
from mediaserver.config import Settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade
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
    return 0


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
