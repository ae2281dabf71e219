"""`mediaserver serve | migrate | user | config`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mediaserver import __version__
from mediaserver.config import ConfigError, Settings
from mediaserver.config_loading import load_settings, redacted
from mediaserver.db.engine import DatabaseUnavailable, connect_checked, create_database
from mediaserver.errors import DomainError

log = logging.getLogger("mediaserver")

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", type=Path, help="TOML config file (or $MEDIASERVER_CONFIG)"
    )
    parser.add_argument("--data-dir", type=Path, help="folder for the database and derived media")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mediaserver", description="A self-hosted media server.")
    parser.add_argument("--version", action="version", version=f"mediaserver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    serve = sub.add_parser("serve", help="run the server (web UI, API, streaming, jobs)")
    _common(serve)
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8096)")

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    _common(migrate)

    user = sub.add_parser("user", help="manage user accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="<action>", required=True)
    add = user_sub.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="make the user an administrator")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    _common(add)
    lst = user_sub.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true", help="print JSON")
    _common(lst)
    passwd = user_sub.add_parser("passwd", help="set a user's password (signs them out everywhere)")
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    _common(passwd)
    for name, text in (
        ("disable", "disable a user and sign them out"),
        ("enable", "enable a user"),
    ):
        p = user_sub.add_parser(name, help=text)
        p.add_argument("username")
        _common(p)

    scan = sub.add_parser("scan", help="scan libraries now, in this process")
    scan.add_argument("--library", metavar="NAME", help="only the library with this name")
    _common(scan)

    config = sub.add_parser("config", help="inspect the configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="<action>", required=True)
    check = config_sub.add_parser(
        "check", help="print the effective config with secrets hidden; exit 2 on an error"
    )
    _common(check)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "server": {"host": getattr(args, "host", None), "port": getattr(args, "port", None)},
        "paths": {"data_dir": args.data_dir},
    }
    return load_settings(args.config, overrides=overrides)


def read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise DomainError("The two passwords differ.")
    return first


async def _with_db(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from mediaserver.db.migrate import upgrade

    settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
    db = create_database(settings.database_url, connect_timeout=settings.database.connect_timeout)
    try:
        await connect_checked(db, settings.database_url, settings.database.connect_timeout)
        await upgrade(db)
        return await work(db)
    finally:
        await db.close()


def cmd_serve(settings: Settings) -> int:
    from aiohttp import web

    from mediaserver.app import create_app
    from mediaserver.http.logs import AccessLogger, setup_logging

    setup_logging(settings.logging)
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
    from mediaserver.db.migrate import upgrade

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


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from mediaserver import accounts

    async def work(db: Any) -> int:
        action = args.user_command
        if action == "add":
            password = read_password(args.password_stdin)
            user = await accounts.create_user(
                db, args.username, password, "admin" if args.admin else "user"
            )
            print(f"created {user.role} '{user.username}' (id {user.id})")
            return 0
        if action == "list":
            rows = await accounts.list_users(db)
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "id": u.id,
                                "username": u.username,
                                "role": u.role,
                                "disabled": u.disabled,
                            }
                            for u in rows
                        ]
                    )
                )
            else:
                print(f"{'ID':>4}  {'USERNAME':<24} {'ROLE':<6} STATE")
                for u in rows:
                    state = "disabled" if u.disabled else "active"
                    print(f"{u.id:>4}  {u.username:<24} {u.role:<6} {state}")
            return 0
        user = await accounts.find_user(db, args.username)
        if user is None:
            raise DomainError(f"no user named '{args.username}'")
        if action == "passwd":
            await accounts.set_password(db, user.id, read_password(args.password_stdin))
            print(f"password changed for '{user.username}'; their sessions were signed out")
        elif action in ("disable", "enable"):
            await accounts.set_disabled(db, user.id, action == "disable")
            print(f"'{user.username}' {action}d")
        return 0

    return asyncio.run(_with_db(settings, work))


def cmd_config_check(settings: Settings) -> int:
    print(json.dumps(redacted(settings), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
        if args.command == "config":
            return cmd_config_check(settings)
        if args.command == "serve":
            return cmd_serve(settings)
        if args.command == "migrate":
            return cmd_migrate(settings)
        if args.command == "user":
            return cmd_user(args, settings)
        if args.command == "scan":
            from mediaserver.library.cli import scan_command

            return asyncio.run(scan_command(settings, args.library))
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
    return EXIT_FAILURE
