"""`mediaserver config check`: the effective configuration with secrets hidden."""

from __future__ import annotations

import argparse
import json

from mediaserver.cli.common import add_common
from mediaserver.config import Settings
from mediaserver.config_loading import redacted


def add_parsers(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="inspect the configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="<action>", required=True)
    check = config_sub.add_parser(
        "check", help="print the effective config with secrets hidden; exit 2 on an error"
    )
    add_common(check)


def cmd_config_check(settings: Settings) -> int:
    print(json.dumps(redacted(settings), indent=2))
    return 0
