"""`mediaserver setup-code`: print the one-time code the first-run page (/setup) asks for."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from mediaserver import accounts
from mediaserver.app import load_secret
from mediaserver.cli.common import with_db
from mediaserver.config import Settings
from mediaserver.errors import DomainError


def current_setup_code(settings: Settings) -> str:
    """The code for the server these settings describe (its signing secret, from the config or
    the data folder), the same code the server prints at start-up."""
    return accounts.setup_code(load_secret(settings))


def cmd_setup_code(settings: Settings) -> int:
    async def work(db: Any) -> int:
        if await accounts.count_users(db):
            raise DomainError(
                "this server is already set up, so there is no setup code; sign in, or set a "
                "password with `mediaserver user passwd NAME`"
            )
        print(current_setup_code(settings))
        return 0

    return asyncio.run(with_db(settings, work))


def run(args: argparse.Namespace, settings: Settings) -> int:
    return cmd_setup_code(settings)
