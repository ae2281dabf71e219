"""A provider's HTTP client: JSON answers cached in the database, 429s honoured, images fetched
through the same checks. One per provider per process, so a Retry-After holds every caller."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.providers_schema import provider_cache
from mediaserver.db.upsert import upsert
from mediaserver.metadata.fetch import Origin, ProviderError, RateLimited, SafeFetcher

log = logging.getLogger(__name__)

MAX_JSON = 4 * 1024 * 1024
MAX_WAIT = 20.0  # a Retry-After up to this is waited out in place; longer ones fail the job
CONCURRENCY = 8


def retry_after(headers: dict[str, str], default: float = 2.0) -> float:
    """Seconds from a Retry-After header (delta seconds; dates are treated as the default)."""
    raw = headers.get("Retry-After", "")
    try:
        return max(0.0, min(float(raw), 3600.0))
    except ValueError:
        return default


class ProviderClient:
    def __init__(
        self,
        name: str,
        fetcher: SafeFetcher,
        db: Database,
        *,
        origins: frozenset[Origin],
        timeout: float,
        cache_seconds: float,
        max_image_bytes: int,
        secret_params: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.fetcher = fetcher
        self.db = db
        self.origins = origins
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.max_image_bytes = max_image_bytes
        self.secret_params = secret_params
        self.not_before = 0.0
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self.requests = 0  # answers fetched from the provider (not the cache), for tests/bench

    def _cache_key(self, url: str, params: dict[str, Any]) -> str:
        public = sorted((k, str(v)) for k, v in params.items() if k not in self.secret_params)
        return hashlib.sha256(f"{self.name}\n{url}?{urlencode(public)}".encode()).hexdigest()

    async def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON answer for `url` with `params`; None for a 404. Cached."""
        params = params or {}
        key = self._cache_key(url, params)
        now = time.time()
        async with self.db.read() as conn:
            body = await conn.scalar(
                sa.select(provider_cache.c.body).where(
                    provider_cache.c.key == key, provider_cache.c.expires_at > now
                )
            )
        if body is not None:
            return json.loads(body)
        status, data = await self._fetch_json(url, params)
        if status == 404:
            return None
        text = json.dumps(data, separators=(",", ":"))
        if self.cache_seconds > 0:
            row = {"body": text, "fetched_at": now, "expires_at": now + self.cache_seconds}
            async with self.db.write() as conn:
                await upsert(
                    conn,
                    provider_cache,
                    [provider_cache.c.key],
                    {"key": key, "provider": self.name, **row},
                    row,
                )
        return data

    async def _fetch_json(self, url: str, params: dict[str, Any]) -> tuple[int, Any]:
        full = f"{url}?{urlencode(params, doseq=True)}" if params else url
        for _attempt in range(3):
            wait = self.not_before - time.monotonic()
            if wait > MAX_WAIT:
                raise RateLimited(f"{self.name} asked us to wait {wait:.0f} s", wait)
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._slots:
                answer = await self.fetcher.get(
                    full, allowed=self.origins, limit=MAX_JSON, timeout=self.timeout,
                    headers={"Accept": "application/json"},
                )  # fmt: skip
            self.requests += 1
            if answer.status == 429:
                delay = retry_after(answer.headers)
                self.not_before = max(self.not_before, time.monotonic() + delay)
                log.info("%s answered 429; waiting %.1f s", self.name, delay)
                continue
            if answer.status == 404:
                return 404, None
            if answer.status != 200:
                raise ProviderError(f"{self.name} answered HTTP {answer.status}")
            try:
                return 200, json.loads(answer.body)
            except ValueError:
                raise ProviderError(f"{self.name} answered something that is not JSON") from None
        raise RateLimited(
            f"{self.name} kept answering 429", max(1.0, self.not_before - time.monotonic())
        )

    async def get_image(self, url: str) -> bytes:
        """An image's bytes (at most max_image_bytes), from an allowed origin only."""
        async with self._slots:
            answer = await self.fetcher.get(
                url, allowed=self.origins, limit=self.max_image_bytes, timeout=self.timeout
            )
        if answer.status != 200:
            raise ProviderError(f"{self.name} image answered HTTP {answer.status}")
        return answer.body
