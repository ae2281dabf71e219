"""First run: the one-time setup code that guards /setup, and creating the first administrator.

The server listens on every interface, so the first visitor must prove access to the server
itself: the setup code is printed in the log at start-up while there are no accounts, and
`mediaserver setup-code` prints it again. It is derived from the signing secret, so every
instance sharing that secret accepts the same code, and it opens nothing once an account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import sys
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from mediaserver.accounts.ratelimit import login_limiter_key
from mediaserver.accounts.signin import count_guess, refuse_while_throttled
from mediaserver.accounts.users import User, count_users, create_user
from mediaserver.errors import BadRequest, Conflict, Forbidden
from mediaserver.http.clientinfo import client_ip
from mediaserver.http.forms import text_field
from mediaserver.keys import config_key, db_key, secret_key

log = logging.getLogger(__name__)

_CONTEXT = b"mediaserver first-run setup code"
WHERE_TO_FIND = (
    "The server prints the setup code in its log when it starts, "
    "and the command mediaserver setup-code prints it again."
)


def setup_code(secret: bytes) -> str:
    """The first-run setup code for this signing secret, e.g. "ABCD-EFGH-JKLM-NOPQ" (80 bits)."""
    digest = hmac.new(secret, _CONTEXT, hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _normalised(code: str) -> bytes:
    # People retype codes with spaces, lower case or without the dashes.
    return re.sub(r"[^A-Z0-9]", "", code.upper()).encode("ascii", "replace")


async def create_first_admin(request: web.Request, data: dict[str, Any]) -> User:
    """Create the administrator from the first-run form once the setup code is proved.

    Refused (Conflict) once any account exists; wrong codes are throttled per address.
    """
    db = request.app[db_key]
    if await count_users(db):
        raise Conflict("The server is already set up; sign in instead.")
    limits = request.app[login_limiter_key].address_limits("setup-code", client_ip(request))
    refuse_while_throttled(request, limits, "wrong setup codes")
    given = text_field(data, "setup_code", max_length=64)
    if not given.strip():
        raise BadRequest(f"Enter the setup code. {WHERE_TO_FIND}", field="setup_code")
    expected = setup_code(request.app[secret_key])
    right = hmac.compare_digest(_normalised(given), _normalised(expected))
    count_guess(request, limits, right)
    if not right:
        raise Forbidden(f"That setup code is not right. {WHERE_TO_FIND}", field="setup_code")
    password = text_field(data, "password", max_length=256)
    if password != text_field(data, "password_confirm", max_length=256):
        raise BadRequest("The two passwords differ.", field="password_confirm")
    username = text_field(data, "username", max_length=64)
    return await create_user(db, username, password, "admin", only_if_first=True)


async def announce_setup_code(app: web.Application) -> AsyncIterator[None]:
    """At start-up, while the server has no accounts, print the code /setup asks for."""
    if not await count_users(app[db_key]):
        code = setup_code(app[secret_key])
        log.warning("No accounts yet: open /setup and enter the setup code %s", code)
        if app[config_key].logging.format == "json":  # a log for machines: tell the console too
            print(f"mediaserver: open /setup and enter the setup code {code}", file=sys.stderr)
    yield
