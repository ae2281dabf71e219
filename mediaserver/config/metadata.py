"""Metadata providers: which are on, their keys, matching and refresh."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from mediaserver.config.base import Section

OFFICIAL_HOSTS = {
    "tmdb_api_url": "api.themoviedb.org",
    "tmdb_image_url": "image.tmdb.org",
    "tvmaze_api_url": "api.tvmaze.com",
}


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MetadataSettings(Section):
    """Metadata providers: which are on, their keys, matching and refresh."""

    tmdb_enabled: bool = Field(
        False, description="Fetch movie and show details and artwork from TMDB (needs an API key)."
    )
    tmdb_api_key: SecretStr = Field(
        SecretStr(""),
        description="TMDB API key (v3 'API Key' from themoviedb.org > Settings > API).",
    )
    tvmaze_enabled: bool = Field(
        False,
        description="Fetch show, season and episode names, overviews, air dates, cast and images "
        "from TVmaze (no key needed).",
    )
    language: str = Field(
        "en",
        min_length=2,
        max_length=12,
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="Language asked of the providers for names and overviews, and preferred for "
        "posters and logos when a profile has none (e.g. en, de, pt-BR).",
    )
    accept_confidence: float = Field(
        0.8,
        ge=0.5,
        le=1.0,
        description="A title + year match at least this sure is applied at once; a weaker one "
        "waits on Admin > Metadata for an admin to confirm it.",
    )
    min_confidence: float = Field(
        0.45,
        ge=0.1,
        le=0.9,
        description="Matches less sure than this are not offered at all (the title stays as "
        "scanned).",
    )
    airing_refresh_days: float = Field(
        7,
        ge=0.5,
        le=90,
        description="Shows that are still airing are refreshed this often (new episodes' names).",
    )
    cache_hours: float = Field(
        72, ge=0, le=24 * 90, description="Provider answers are kept this long and reused."
    )
    request_timeout_seconds: float = Field(
        15, ge=1, le=120, description="A provider request that takes longer than this fails."
    )
    max_image_bytes: int = Field(
        20 * 1024 * 1024,
        ge=100_000,
        le=200 * 1024 * 1024,
        description="Images larger than this are not downloaded.",
    )
    max_cast: int = Field(
        20, ge=0, le=100, description="Cast members kept (with photos) per title."
    )
    tmdb_api_url: str = Field(
        "https://api.themoviedb.org/3",
        max_length=200,
        description="TMDB API base. Only api.themoviedb.org over https (a loopback address is "
        "accepted only with allow_loopback_for_tests).",
    )
    tmdb_image_url: str = Field(
        "https://image.tmdb.org/t/p",
        max_length=200,
        description="TMDB image base. Only image.tmdb.org over https (loopback only for tests).",
    )
    tvmaze_api_url: str = Field(
        "https://api.tvmaze.com",
        max_length=200,
        description="TVmaze API base. Only api.tvmaze.com over https (loopback only for tests).",
    )
    allow_loopback_for_tests: bool = Field(
        False,
        description="Let the provider URLs above point at 127.0.0.1 over http: the test suite's "
        "fake providers. Never needed on a real server.",
    )

    @model_validator(mode="after")
    def _provider_urls(self) -> MetadataSettings:
        for name, official in OFFICIAL_HOSTS.items():
            url = urlsplit(getattr(self, name))
            host = url.hostname or ""
            if url.scheme == "https" and host == official:
                continue
            if (
                self.allow_loopback_for_tests
                and url.scheme in ("http", "https")
                and (is_loopback_host(host))
            ):
                continue
            raise ValueError(f"{name} must be an https URL on {official}")
        return self
