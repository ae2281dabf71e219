"""Which providers are on (built-ins from the settings, then plugins' `metadata_providers`), each
with one long-lived client (its cache, its Retry-After state) over one SSRF-checked session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.keys import config_key, db_key, plugins_key
from mediaserver.metadata.client import ProviderClient
from mediaserver.metadata.fetch import SafeFetcher, new_session
from mediaserver.metadata.providers.base import MetadataProvider
from mediaserver.metadata.providers.tmdb import TmdbProvider
from mediaserver.metadata.providers.tvmaze import TvmazeProvider
from mediaserver.metadata.records import TitleKind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Active:
    provider: MetadataProvider
    client: ProviderClient


def builtin_providers(settings: Settings) -> list[MetadataProvider]:
    """TMDB (movies and shows) when on with a key, then TVmaze (shows) when on."""
    m = settings.metadata
    found: list[MetadataProvider] = []
    if m.tmdb_enabled and m.tmdb_api_key.get_secret_value():
        found.append(TmdbProvider(m))
    if m.tvmaze_enabled:
        found.append(TvmazeProvider(m))
    return found


class Providers:
    """The providers of one process; `for_kind` is asked afresh each time (settings may change)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._session = None
        self._fetcher: SafeFetcher | None = None
        self._clients: dict[tuple[str, frozenset], ProviderClient] = {}

    @property
    def settings(self) -> Settings:
        return self.app[config_key]

    def _all(self) -> list[MetadataProvider]:
        found = builtin_providers(self.settings)
        pm = self.app.get(plugins_key)
        if pm is not None:
            for extra in pm.hook.metadata_providers(settings=self.settings):
                for p in extra or []:
                    if isinstance(p, MetadataProvider):
                        found.append(p)
                    else:
                        log.warning("a plugin's metadata provider %r lacks the protocol", p)
        return found

    def _client(self, provider: MetadataProvider) -> ProviderClient:
        m = self.settings.metadata
        if self._fetcher is None or self._fetcher.allow_loopback != m.allow_loopback_for_tests:
            self._session = new_session(m.allow_loopback_for_tests)
            self._fetcher = SafeFetcher(self._session, allow_loopback=m.allow_loopback_for_tests)
            self._clients.clear()
        key = (provider.name, provider.origins())
        client = self._clients.get(key)
        if client is None:
            client = ProviderClient(
                provider.name,
                self._fetcher,
                self.app[db_key],
                origins=provider.origins(),
                timeout=m.request_timeout_seconds,
                cache_seconds=m.cache_hours * 3600,
                max_image_bytes=m.max_image_bytes,
                secret_params=provider.secret_params,
            )
            self._clients[key] = client
        client.timeout = m.request_timeout_seconds
        client.cache_seconds = m.cache_hours * 3600
        client.max_image_bytes = m.max_image_bytes
        return client

    def for_kind(self, kind: TitleKind) -> list[Active]:
        return [Active(p, self._client(p)) for p in self._all() if kind in p.kinds]

    def named(self, name: str) -> Active | None:
        for p in self._all():
            if p.name == name:
                return Active(p, self._client(p))
        return None

    @property
    def db(self) -> Database:
        return self.app[db_key]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


providers_key: web.AppKey[Providers] = web.AppKey("metadata_providers", Providers)


async def providers_ctx(app: web.Application) -> AsyncIterator[None]:
    app[providers_key] = Providers(app)
    try:
        yield
    finally:
        await app[providers_key].close()
