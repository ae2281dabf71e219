"""Throttling of password, PIN and setup-code guesses: exponential backoff per key (in memory).

Each guess is counted under a few keys, each with a number of free failures; past those, every
further failure doubles the wait before the next guess (1 s, 2 s, 4 s ... up to the window), and
a key is forgotten once it has been quiet for the window after its wait. The keys are chosen so
that a stranger cannot deny a known user (docs/security.md, authentication and authorisation):

- a sign-in is counted per (account name, address) pair, so failures from one address never slow
  the same account down from another address, and made-up names only ever fill their own pairs;
- a per-address cap over all names bounds a flood from one address;
- an "address" is one IPv4 address or one IPv6 /64 (`guesser`): a single host is usually given a
  whole /64 and can pick any address in it, so counting IPv6 addresses one by one would hand it
  2^64 fresh allowances;
- a device that signed in to the account before (a signed "known device" cookie) is counted on
  its own key instead of the pair and the address, so an address shared by many clients (a proxy
  without `server.trusted_proxies`) does not lock out people on their usual devices.

In-memory is per process: several instances behind a load balancer each keep their own count,
which multiplies the allowance by the instance count but never lets guessing run unbounded.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from mediaserver.config import Settings

MAX_KEYS = 100_000  # bounds memory under a spray of random names and addresses
IPV6_GUESSER_PREFIX = 64  # the block one subscriber, or one host, is usually handed


def guesser(address: str) -> str:
    """Whom guesses from `address` are counted against: the IPv4 address (also when written
    IPv4-mapped, ::ffff:a.b.c.d), or the IPv6 /64 it lies in."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone names no one else
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_GUESSER_PREFIX), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Limit:
    """One key a guess is counted under, with the failures it allows before backing off.

    `forgiven` keys are cleared by a right guess; an address cap is not, so an attacker cannot
    reset it by signing in to an account of their own.
    """

    key: str
    free: int
    forgiven: bool = True


@dataclass
class _Failures:
    count: int
    last: float


class LoginLimiter:
    def __init__(self, per_account: int, per_address: int, window_seconds: float) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window = window_seconds
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    # ----- which keys a guess counts under -----

    def sign_in_limits(
        self, account: str, address: str, known_device: str | None = None
    ) -> list[Limit]:
        """A password guess for `account` (a name, known or not) from `address`."""
        name = account.strip().lower()
        if known_device is not None:
            return [Limit(f"device:{known_device}:{name}", self.per_account)]
        address = guesser(address)
        return [
            Limit(f"pair:{address}\0{name}", self.per_account),
            Limit(f"address:{address}", self.per_address, forgiven=False),
        ]

    def holder_limits(self, what: str, holder: str) -> list[Limit]:
        """A guess at a secret (`what`: a profile's PIN, an account's password) by a holder
        that already proved who it is (a signed-in device session)."""
        return [Limit(f"{what}\0{holder}", self.per_account)]

    def address_limits(self, what: str, address: str) -> list[Limit]:
        """A guess at a server-wide secret (the first-run setup code) from `address`."""
        return [Limit(f"{what}\0{guesser(address)}", self.per_account, forgiven=False)]

    # ----- counting -----

    def _wait(self, failures: _Failures, free: int) -> float:
        if failures.count < free:
            return 0.0
        return min(2.0 ** (failures.count - free), self.window)

    def _current(self, key: str, free: int, now: float) -> _Failures | None:
        failures = self._failures.get(key)
        if failures is not None and now - failures.last > self._wait(failures, free) + self.window:
            del self._failures[key]
            return None
        return failures

    def retry_after(self, limits: Sequence[Limit], now: float | None = None) -> int:
        """Whole seconds until another guess is allowed; 0 when allowed now."""
        now = time.monotonic() if now is None else now
        waits = [0.0]
        for limit in limits:
            failures = self._current(limit.key, limit.free, now)
            if failures is not None:
                waits.append(failures.last + self._wait(failures, limit.free) - now)
        return math.ceil(max(waits))

    def record_failure(self, limits: Sequence[Limit], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for limit in limits:
            failures = self._current(limit.key, limit.free, now)
            if failures is None:
                self._failures[limit.key] = _Failures(1, now)
            else:
                failures.count += 1
                failures.last = now
                self._failures.move_to_end(limit.key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)  # the least recently failed key

    def record_success(self, limits: Sequence[Limit]) -> None:
        for limit in limits:
            if limit.forgiven:
                self._failures.pop(limit.key, None)


def describe_wait(seconds: int) -> str:
    """`seconds` for people: "1 second", "40 seconds", "3 minutes"."""
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{-(-seconds // 60)} minutes"


login_limiter_key: web.AppKey[LoginLimiter] = web.AppKey("login_limiter")


def limiter_settings_changed(app: web.Application, settings: Settings) -> None:
    """auth.login_* changed at run time: later guesses count against the new limits."""
    limiter = app.get(login_limiter_key)
    if limiter is not None:
        limiter.per_account = settings.auth.login_attempts_per_account
        limiter.per_address = settings.auth.login_attempts_per_address
        limiter.window = settings.auth.login_window_seconds
