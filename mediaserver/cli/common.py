"""What every command shares: settings from the flags, and a migrated database."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mediaserver.config import Settings
from mediaserver.config_loading import config_file_for, load_settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "server": {"host": getattr(args, "host", None), "port": getattr(args, "port", None)},
        "paths": {"data_dir": args.data_dir},
    }
    return load_settings(args.config, overrides=overrides)


def paths_line(settings: Settings, args: argparse.Namespace) -> str:
    """One line naming the data folder, the cache and the config file this command uses."""
    config = config_file_for(args.config)
    return (
        f"data folder {settings.paths.data_dir} (cache {settings.paths.cache_dir}; "
        f"config file {config or 'none'})"
    )


def old_default_warning(settings: Settings) -> str | None:
    """The data folder used to default to ./data: say so when one is here but not in use, rather
    than let a server that started from this folder look empty."""
    old = Path("data")
    if settings.database.url.get_secret_value() or not (old / "mediaserver.db").is_file():
        return None
    if old.resolve() == settings.paths.data_dir.resolve():
        return None
    return (
        f"{old.resolve()} holds a database but the data folder is {settings.paths.data_dir}; "
        f"pass --data-dir {old.resolve()} (or set paths.data_dir) to use it"
    )


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
