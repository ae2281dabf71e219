"""SSRF-safe HTTP GETs for provider answers and images.

Every hop (the first request and each redirect, followed by hand) must be https to one of the
origins the caller allows; an IP-literal host must be a public address, and a named host is
resolved by `CheckedResolver`, which refuses it unless every address it connects to is public
(so a provider name pointed at 10.0.0.1 or 169.254.169.254 is refused at connect time, with no
window between check and use). The test suite's fakes on 127.0.0.1 are reachable only when
`allow_loopback` is set, and then only loopback hosts may resolve to loopback. Bodies are read in
chunks and abandoned past `limit` bytes; every request has a total time-out.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from mediaserver.config.metadata import is_loopback_host

MAX_REDIRECTS = 4
CHUNK = 64 * 1024


class ProviderError(Exception):
    """A provider could not be asked or answered badly; the message says how."""


class RefusedURL(ProviderError):
    """A URL (or a redirect) pointed somewhere a provider may not send us."""


class AddressRefused(OSError):
    """Raised by CheckedResolver: the name resolves to an address providers may not use."""


class RateLimited(ProviderError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise RefusedURL(f"bad port in {url!r}") from None
        return cls(scheme, (parts.hostname or "").lower(), port)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def address_allowed(address: str, *, loopback: bool) -> bool:
    """A public unicast address; or, for a loopback host in test mode, a loopback one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if loopback:
        return ip.is_loopback
    return ip.is_global and not ip.is_multicast


class CheckedResolver(AbstractResolver):
    """Resolves like aiohttp does, then keeps only addresses a provider may live at."""

    def __init__(self, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        loopback = self.allow_loopback and is_loopback_host(host)
        found = await self.inner.resolve(host, port, family)
        kept = [r for r in found if address_allowed(r["host"], loopback=loopback)]
        if not kept or len(kept) != len(found):
            raise AddressRefused(f"{host} resolves to an address providers may not use")
        return kept

    async def close(self) -> None:
        await self.inner.close()


def new_session(allow_loopback: bool, resolver: AbstractResolver | None = None) -> Any:
    """An aiohttp session whose every connection goes through CheckedResolver; no proxies."""
    connector = aiohttp.TCPConnector(
        resolver=CheckedResolver(allow_loopback, resolver), limit=16, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(connector=connector, trust_env=False)


class SafeFetcher:
    def __init__(self, session: aiohttp.ClientSession, *, allow_loopback: bool) -> None:
        self.session = session
        self.allow_loopback = allow_loopback

    def check(self, url: str, allowed: frozenset[Origin]) -> None:
        """RefusedURL unless `url` is on an allowed origin over an allowed scheme."""
        origin = Origin.of(url)
        loopback = self.allow_loopback and is_loopback_host(origin.host)
        if origin.scheme != "https" and not (loopback and origin.scheme == "http"):
            raise RefusedURL(f"refused {origin.scheme or 'a relative'} URL: only https is used")
        if origin not in allowed:
            raise RefusedURL(f"refused a request to {origin.host}: not this provider's host")
        try:
            ipaddress.ip_address(origin.host)
        except ValueError:
            return  # a name: CheckedResolver checks what it resolves to
        if not address_allowed(origin.host, loopback=loopback):
            raise RefusedURL(f"refused the address {origin.host}")

    async def get(
        self,
        url: str,
        *,
        allowed: frozenset[Origin],
        limit: int,
        timeout: float,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """GET `url`, following at most MAX_REDIRECTS redirects, each hop checked."""
        client_timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 10))
        for _ in range(MAX_REDIRECTS + 1):
            self.check(url, allowed)
            try:
                async with self.session.get(
                    url, allow_redirects=False, timeout=client_timeout, headers=headers
                ) as resp:
                    if resp.status in (301, 302, 303, 307, 308):
                        location = resp.headers.get("Location")
                        if not location:
                            raise ProviderError(f"redirect without a Location from {url}")
                        url = urljoin(url, location)
                        continue
                    body = await _read_limited(resp, limit)
                    return Answer(resp.status, body, dict(resp.headers))
            except TimeoutError:
                raise ProviderError(f"no answer within {timeout:g} s") from None
            except aiohttp.ClientConnectorError as exc:
                if _refused(exc):
                    raise RefusedURL(f"refused {origin_host(url)}: not a public address") from None
                raise ProviderError(f"request failed: {exc}") from None
            except aiohttp.ClientError as exc:
                raise ProviderError(f"request failed: {exc}") from None
            except OSError as exc:
                raise RefusedURL(f"refused: {exc}") from None
        raise ProviderError("too many redirects")


def origin_host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _refused(exc: BaseException) -> bool:
    """Whether CheckedResolver refused the connection (aiohttp wraps its error)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, AddressRefused) or isinstance(
            getattr(seen, "os_error", None), AddressRefused
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _read_limited(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    declared = resp.content_length
    if declared is not None and declared > limit:
        raise ProviderError(f"answer of {declared} bytes is larger than the {limit} byte limit")
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ProviderError(f"answer is larger than the {limit} byte limit")
        parts.append(chunk)
    return b"".join(parts)
