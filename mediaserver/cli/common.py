"""What every command shares: settings from the flags, and a migrated database."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from mediaserver.config import Settings
from mediaserver.config_loading import load_settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "server": {"host": getattr(args, "host", None), "port": getattr(args, "port", None)},
        "paths": {"data_dir": args.data_dir},
    }
    return load_settings(args.config, overrides=overrides)


async def with_db(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    """Run `work` on the database, brought up to date first; closed afterwards."""
    settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
    db = create_database(settings.database_url, connect_timeout=settings.database.connect_timeout)
    try:
        await connect_checked(db, settings.database_url, settings.database.connect_timeout)
        await upgrade(db)
        return await work(db)
    finally:
        await db.close()
