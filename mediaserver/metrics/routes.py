"""GET /metrics: the Prometheus text exposition, for a scraper holding the token or calling from
an allowed address. Anyone else gets 404, as if there were no such page."""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from mediaserver.config import MetricsSettings
from mediaserver.http.auth import access
from mediaserver.http.clientinfo import client_ip
from mediaserver.keys import config_key
from mediaserver.metrics.state import metrics_state_key

routes = web.RouteTableDef()
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address_allowed(address: str, entries: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _networks(tuple(entries)))


def may_scrape(request: web.Request, settings: MetricsSettings) -> bool:
    """With a token set, only a request bearing it (compared in constant time); without one,
    only clients in allowed_addresses (the real client behind a trusted proxy)."""
    if not settings.enabled:
        return False
    token = settings.token.get_secret_value()
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    return _address_allowed(client_ip(request), settings.allowed_addresses)


@routes.get("/metrics", name="metrics")
# Like media URLs, no cookie or API key is read: the metrics token (or the address) is the only
# credential, checked here, and a refusal reads as 404.
@access("token")
async def metrics(request: web.Request) -> web.Response:
    if not may_scrape(request, request.app[config_key].metrics):
        raise web.HTTPNotFound()  # the router's own answer to an unknown path
    body = await request.app[metrics_state_key].exposition()
    # The classic text format: what every Prometheus version and scraper reads.
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
