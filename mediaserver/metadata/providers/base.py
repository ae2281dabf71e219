"""What a metadata provider is: the protocol built-in and plugin providers follow.

A plugin adds one by implementing the `metadata_providers(settings)` hook and returning objects
with these attributes; each gets its own `ProviderClient` (cache, 429 handling, SSRF-safe fetch
limited to the provider's `origins`)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mediaserver.metadata.fetch import Origin
from mediaserver.metadata.records import SearchResult, TitleInfo, TitleKind

if TYPE_CHECKING:
    from mediaserver.metadata.client import ProviderClient


@runtime_checkable
class MetadataProvider(Protocol):
    name: str  # short and stable: "tmdb", "tvmaze"
    label: str  # for people: "TMDB"
    kinds: tuple[TitleKind, ...]
    secret_params: frozenset[str]  # query parameters never cached or logged (API keys)

    def origins(self) -> frozenset[Origin]:
        """Where its answers and images may come from."""
        ...

    async def lookup(
        self, client: ProviderClient, ids: dict[str, str], kind: TitleKind
    ) -> str | None:
        """The provider's id for a title known by ids (imdb, tmdb, tvdb, tvmaze), or None."""
        ...

    async def search(
        self, client: ProviderClient, query: str, year: int | None, kind: TitleKind
    ) -> list[SearchResult]:
        """Candidates for a title name (and year), best first."""
        ...

    async def details(
        self, client: ProviderClient, provider_id: str, kind: TitleKind, language: str
    ) -> TitleInfo | None:
        """Everything about one title (None when the provider no longer has it). A provider
        whose artwork comes in several languages sets `multilingual_images = True` and takes an
        `image_languages` keyword too: the ISO 639-1 codes of the images wanted, best first
        (the profiles' languages, the server's); each ImageRef says its own `language`."""
        ...


def year_of(date: object) -> int | None:
    """1999 from "1999-03-30"; None for anything else."""
    if isinstance(date, str) and re.match(r"^\d{4}-", date):
        return int(date[:4])
    return None


def date_of(value: object) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def plain_text(value: object, limit: int = 20_000) -> str | None:
    """Text without HTML tags or entities (TVmaze summaries are HTML)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = html.unescape(re.sub(r"<[^>]{0,200}>", " ", value))
    return re.sub(r"\s+", " ", text).strip()[:limit] or None


def text(value: object, limit: int = 500) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def items(value: object) -> list[dict]:
    """The dicts in a JSON list (anything else in a malformed answer is skipped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def obj(value: object) -> dict:
    return value if isinstance(value, dict) else {}
