"""`mediaserver serve | migrate | user | scan | config`: the command line.

Each command group has its module (`server`, `users`, `scan`, `config_check`) with its argument
parser and its command; `main` parses, loads the settings and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from mediaserver import __version__
from mediaserver.cli import config_check, scan, server, users
from mediaserver.cli.common import settings_from_args
from mediaserver.config import ConfigError
from mediaserver.db.engine import DatabaseUnavailable
from mediaserver.errors import DomainError

__all__ = ["build_parser", "main"]

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mediaserver", description="A self-hosted media server.")
    parser.add_argument("--version", action="version", version=f"mediaserver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    server.add_parsers(sub)
    users.add_parsers(sub)
    scan.add_parsers(sub)
    config_check.add_parsers(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.command == "config":
        return config_check.cmd_config_check(settings)
    if args.command == "serve":
        return server.cmd_serve(settings)
    if args.command == "migrate":
        return server.cmd_migrate(settings)
    if args.command == "user":
        return users.cmd_user(args, settings)
    if args.command == "scan":
        return asyncio.run(scan.scan_command(settings, args.library))
    return EXIT_FAILURE


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"mediaserver: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseUnavailable as exc:
        print(f"mediaserver: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DomainError as exc:
        print(f"mediaserver: {exc.detail}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(
            f"mediaserver: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
