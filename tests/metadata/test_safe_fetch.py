"""SSRF safety of provider requests: only https to the provider's own hosts, every redirect hop
checked, names resolving to private or metadata addresses refused, bodies and images bounded."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from pydantic import ValidationError

from mediaserver.config.metadata import MetadataSettings
from mediaserver.metadata.artwork import ImageRefused, encode
from mediaserver.metadata.fetch import (
    CheckedResolver,
    Origin,
    ProviderError,
    RefusedURL,
    SafeFetcher,
    address_allowed,
    new_session,
)
from tests.metadata.fakes import bomb_png, png


@pytest.fixture
async def hostile(aiohttp_server):
    """A loopback server that redirects where it should not and sends huge answers."""

    async def to(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["where"])

    async def huge(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(64):
            await resp.write(b"x" * 65536)  # 4 MiB, no Content-Length
        return resp

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 2_000_000)

    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=png(20, 20, (1, 2, 3)), content_type="image/png")

    app = web.Application()
    app.router.add_get("/to", to)
    app.router.add_get("/huge", huge)
    app.router.add_get("/declared", declared)
    app.router.add_get("/ok", ok)
    server = await aiohttp_server(app)
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
async def fetcher():
    session = new_session(allow_loopback=True)
    yield SafeFetcher(session, allow_loopback=True)
    await session.close()


async def _get(fetcher: SafeFetcher, base: str, path: str, limit: int = 1_000_000) -> bytes:
    answer = await fetcher.get(
        f"{base}{path}", allowed=frozenset({Origin.of(base)}), limit=limit, timeout=5
    )
    return answer.body


@pytest.mark.parametrize(
    "where",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:1/admin",  # loopback, but not the provider's origin
        "https://10.0.0.1/",
        "file:///etc/passwd",
        "https://evil.example/",
    ],
)
async def test_redirect_off_the_provider_is_refused(fetcher, hostile, where) -> None:
    with pytest.raises(RefusedURL):
        await _get(fetcher, hostile, f"/to?where={where}")


async def test_redirect_within_the_provider_is_followed(fetcher, hostile) -> None:
    assert (await _get(fetcher, hostile, "/to?where=/ok")).startswith(b"\x89PNG")


async def test_bodies_over_the_limit_are_abandoned(fetcher, hostile) -> None:
    with pytest.raises(ProviderError, match="limit"):
        await _get(fetcher, hostile, "/huge", limit=1_000_000)
    with pytest.raises(ProviderError, match="2000000 bytes is larger"):
        await _get(fetcher, hostile, "/declared", limit=1_000_000)


async def test_plain_http_and_other_hosts_are_refused_outside_tests() -> None:
    session = new_session(allow_loopback=False)
    try:
        real = SafeFetcher(session, allow_loopback=False)
        allowed = frozenset({Origin("https", "api.themoviedb.org", 443)})
        for url in ("http://api.themoviedb.org/3/movie/1", "https://127.0.0.1/3",
                    "https://api.themoviedb.org.evil.example/3"):  # fmt: skip
            with pytest.raises(RefusedURL):
                real.check(url, allowed)
        real.check("https://api.themoviedb.org/3/movie/1", allowed)
    finally:
        await session.close()


class _Pretend(AbstractResolver):
    """Resolves every name to one fixed address (a DNS answer an attacker controls)."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        return [{"hostname": host, "host": self.address, "port": port, "family": family,
                 "proto": 0, "flags": 0}]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("address", ["10.1.2.3", "169.254.169.254", "127.0.0.1", "::1", "fd00::1"])
async def test_a_provider_name_resolving_to_a_private_address_is_refused(address) -> None:
    resolver = CheckedResolver(allow_loopback=False, inner=_Pretend(address))
    with pytest.raises(OSError, match="may not use"):
        await resolver.resolve("api.themoviedb.org", 443)
    session = new_session(allow_loopback=False, resolver=_Pretend(address))
    try:
        real = SafeFetcher(session, allow_loopback=False)
        with pytest.raises(RefusedURL):
            await real.get("https://api.themoviedb.org/3/movie/1",
                           allowed=frozenset({Origin("https", "api.themoviedb.org", 443)}),
                           limit=1000, timeout=5)  # fmt: skip
    finally:
        await session.close()


def test_only_public_addresses_unless_a_loopback_host_in_test_mode() -> None:
    assert address_allowed("93.184.216.34", loopback=False)
    assert not address_allowed("192.168.1.1", loopback=False)
    assert not address_allowed("::ffff:127.0.0.1", loopback=False)
    assert address_allowed("127.0.0.1", loopback=True)
    assert not address_allowed("93.184.216.34", loopback=True)


def test_settings_refuse_other_hosts_and_loopback_outside_tests() -> None:
    with pytest.raises(ValidationError, match="https URL on api.themoviedb.org"):
        MetadataSettings(tmdb_api_url="http://api.themoviedb.org/3")
    with pytest.raises(ValidationError):
        MetadataSettings(tvmaze_api_url="https://169.254.169.254/")
    with pytest.raises(ValidationError):
        MetadataSettings(tmdb_image_url="http://127.0.0.1:9/t/p")
    MetadataSettings(allow_loopback_for_tests=True, tmdb_image_url="http://127.0.0.1:9/t/p")


def test_images_are_decoded_within_bounds() -> None:
    with pytest.raises(ImageRefused):
        encode(bomb_png(), "poster")  # 30000 x 30000 claimed by a few bytes
    with pytest.raises(ImageRefused, match="too large"):
        encode(bomb_png(9000), "poster")
    with pytest.raises(ImageRefused):
        encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "poster")
    with pytest.raises(ImageRefused):
        encode(png(200, 300, (9, 9, 9))[:60], "poster")  # cut short
    out = encode(png(1000, 1500, (200, 10, 10)), "poster")
    assert (out.width, out.height) == (500, 750)
    assert out.webp[:4] == b"RIFF" and out.fallback[:3] == b"\xff\xd8\xff"
    logo = encode(png(100, 40, (0, 0, 0)), "logo")
    assert logo.fallback_ext == "png"
