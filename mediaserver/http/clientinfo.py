"""Who is calling: client address and scheme, believing proxy headers only from trusted proxies."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

from mediaserver.keys import config_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_ip(request: web.Request) -> str:
    """The caller's address: the peer, or the first untrusted hop of X-Forwarded-For."""
    peer = request.remote or ""
    trusted = _networks(tuple(request.app[config_key].server.trusted_proxies))
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    # Every X-Forwarded-For line, in order: a proxy may add its own line (HAProxy does) after
    # one the client sent, and reading only the first would believe the client's.
    listed = ",".join(request.headers.getall("X-Forwarded-For", ()))
    hops = [h.strip() for h in listed.split(",") if h.strip()]
    # Walk from the nearest hop outwards; the first address we do not trust is the client.
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def is_https(request: web.Request) -> bool:
    if request.secure:
        return True
    trusted = _networks(tuple(request.app[config_key].server.trusted_proxies))
    if trusted and _is_trusted(request.remote or "", trusted):
        return request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    return False


def wants_json(request: web.Request) -> bool:
    """API paths and clients that ask for JSON get JSON; browsers get HTML."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def secure_cookies(request: web.Request) -> bool:
    """Whether cookies get the Secure flag (auth.cookie_secure: auto follows the scheme)."""
    mode = request.app[config_key].auth.cookie_secure
    return mode == "always" or (mode == "auto" and is_https(request))
