"""Where the server runs and what it keeps: address, folders, database, storage, sign-in,
logs and plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from mediaserver.config.base import Section


class ServerSettings(Section):
    host: str = Field("0.0.0.0", description="Address to listen on.")
    port: int = Field(8096, ge=1, le=65535, description="TCP port to listen on.")
    public_url: str = Field(
        "", description="External URL (https://media.example.com) when behind a proxy; optional."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses/CIDRs whose X-Forwarded-For/-Proto headers are believed.",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted by forms and JSON (bytes)."
    )
    shutdown_timeout: float = Field(
        15.0, ge=0, description="Seconds in-flight requests get to finish on SIGTERM."
    )


class PathSettings(Section):
    # No default here: config_loading fills in the platform's (never the working directory).
    data_dir: Path = Field(
        description="Database, derived media and uploads live here. Default: "
        "$XDG_DATA_HOME/mediaserver (~/.local/share/mediaserver); /config in the container.",
    )
    cache_dir: Path = Field(
        description="On-the-fly segments and other caches. Default: data_dir/cache; /cache in "
        "the container.",
    )
    min_free_bytes: int = Field(
        1_073_741_824, ge=0, description="/ready fails when data_dir has less free space than this."
    )

    @model_validator(mode="before")
    @classmethod
    def _cache_follows_data(cls, data: Any) -> Any:
        # Unless the cache is set, it lives in the data folder, so --data-dir moves both.
        if isinstance(data, dict) and data.get("cache_dir") is None and data.get("data_dir"):
            data = {**data, "cache_dir": Path(data["data_dir"]) / "cache"}
        return data


class DatabaseSettings(Section):
    url: SecretStr = Field(
        SecretStr(""),
        description="SQLAlchemy URL. Empty means SQLite in data_dir. "
        "Example: postgresql+asyncpg://user:pass@host/db",
    )
    url_file: Path | None = Field(None, description="Read database.url from this file instead.")
    pool_size: int = Field(10, ge=1, le=200, description="Connections per process (PostgreSQL).")
    connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for the database.")


class StorageSettings(Section):
    backend: Literal["local"] = Field("local", description="Where derived media is stored.")
    root: Path | None = Field(None, description="Local storage root. Default: data_dir/storage.")



class AuthSettings(Section):
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs tokens. Empty: generated once and kept in data_dir/secret.key.",
    )
    secret_key_file: Path | None = Field(None, description="Read auth.secret_key from this file.")
    session_days: int = Field(30, ge=1, le=3650, description="A device stays signed in this long.")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="Secure cookie flag: auto sets it when the request came over https."
    )
    login_attempts_per_account: int = Field(
        5,
        ge=1,
        description="Failed logins for one account from one address (or on one known device) "
        "before each further try waits twice as long as the last.",
    )
    login_attempts_per_address: int = Field(
        20, ge=1, description="Failed logins from one address, all names, before it backs off."
    )
    login_window_seconds: int = Field(
        900,
        ge=10,
        description="Longest wait between tries; failures quiet this long are forgotten.",
    )
    max_profiles: int = Field(5, ge=1, le=20, description="Profiles per account.")


class LoggingSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    format: Literal["console", "json"] = Field(
        "console", description="console for people, json for log collectors."
    )
    access_log: bool = Field(True, description="Log one line per HTTP request.")


class PluginSettings(Section):
    folder: Path | None = Field(
        None, description="Folder of .py plugins to load. Default: data_dir/plugins."
    )
    disabled: list[str] = Field(
        default_factory=list, description="Names of plugins not to load (built-in or installed)."
    )


