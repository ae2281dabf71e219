"""`mediaserver user add | list | passwd | disable | enable`: user accounts from the shell."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from mediaserver import accounts
from mediaserver.cli.common import with_db
from mediaserver.config import Settings
from mediaserver.errors import DomainError


def read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise DomainError("The two passwords differ.")
    return first


def _print_users(rows: list[accounts.User], as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [
                    {"id": u.id, "username": u.username, "role": u.role, "disabled": u.disabled}
                    for u in rows
                ]
            )
        )
        return
    print(f"{'ID':>4}  {'USERNAME':<24} {'ROLE':<6} STATE")
    for u in rows:
        state = "disabled" if u.disabled else "active"
        print(f"{u.id:>4}  {u.username:<24} {u.role:<6} {state}")


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
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
            _print_users(await accounts.list_users(db), args.json)
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

    return asyncio.run(with_db(settings, work))


def run(args: argparse.Namespace, settings: Settings) -> int:
    return cmd_user(args, settings)
