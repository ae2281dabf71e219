"""`mediaserver config check`: the effective configuration with secrets hidden."""

from __future__ import annotations

import argparse
import json

from mediaserver.config import Settings
from mediaserver.config_loading import redacted


def cmd_config_check(settings: Settings) -> int:
    print(json.dumps(redacted(settings), indent=2))
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return cmd_config_check(settings)
