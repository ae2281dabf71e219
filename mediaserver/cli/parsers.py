"""The command line's arguments: every command and its flags, and nothing heavier than argparse,
so `mediaserver --help` and `--version` answer at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediaserver import __version__

# Which module of this package runs each command (imported only when that command runs).
COMMAND_MODULES = {
    "serve": "server",
    "migrate": "server",
    "user": "users",
    "scan": "scan",
    "config": "config_check",
    "setup-code": "setup_code",
}


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", type=Path, help="TOML config file (or $MEDIASERVER_CONFIG)"
    )
    parser.add_argument("--data-dir", type=Path, help="folder for the database and derived media")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mediaserver", description="A self-hosted media server.")
    parser.add_argument("--version", action="version", version=f"mediaserver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    _add_server(sub)
    _add_users(sub)
    _add_scan(sub)
    _add_config_check(sub)
    _add_setup_code(sub)
    return parser


def _add_server(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the server (web UI, API, streaming, jobs)")
    add_common(serve)
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8096)")

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    add_common(migrate)


def _add_users(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="manage user accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="<action>", required=True)
    add = user_sub.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="make the user an administrator")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_common(add)
    lst = user_sub.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true", help="print JSON")
    add_common(lst)
    passwd = user_sub.add_parser("passwd", help="set a user's password (signs them out everywhere)")
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    add_common(passwd)
    for name, text in (
        ("disable", "disable a user and sign them out"),
        ("enable", "enable a user"),
    ):
        p = user_sub.add_parser(name, help=text)
        p.add_argument("username")
        add_common(p)


def _add_scan(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="scan libraries now, in this process")
    scan.add_argument("--library", metavar="NAME", help="only the library with this name")
    add_common(scan)


def _add_config_check(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="inspect the configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="<action>", required=True)
    check = config_sub.add_parser(
        "check", help="print the effective config with secrets hidden; exit 2 on an error"
    )
    add_common(check)


def _add_setup_code(sub: argparse._SubParsersAction) -> None:
    code = sub.add_parser(
        "setup-code", help="print the one-time code the first-run page asks for (before setup)"
    )
    add_common(code)
