"""The settings model: one section per table of the config file. Defaults live in the section
classes only; config_loading.py reads a file, the environment and CLI flags into it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from mediaserver.config.base import ConfigError, Section
from mediaserver.config.billing import BillingSettings
from mediaserver.config.features import (
    AnalyticsSettings,
    MetricsSettings,
    SocialSettings,
    WatchPartySettings,
)
from mediaserver.config.installation import (
    AuthSettings,
    DatabaseSettings,
    LoggingSettings,
    PathSettings,
    PluginSettings,
    ServerSettings,
    StorageSettings,
)
from mediaserver.config.media import (
    HousekeepingSettings,
    JobSettings,
    LibrarySettings,
    StreamingSettings,
    TranscodingSettings,
    UploadSettings,
)
from mediaserver.config.metadata import MetadataSettings
from mediaserver.config.offline import OfflineSettings
from mediaserver.config.recommend import RecommendSettings

__all__ = [
    "AnalyticsSettings",
    "AuthSettings",
    "BillingSettings",
    "ConfigError",
    "DatabaseSettings",
    "HousekeepingSettings",
    "JobSettings",
    "LibrarySettings",
    "LoggingSettings",
    "MetadataSettings",
    "MetricsSettings",
    "OfflineSettings",
    "PathSettings",
    "PluginSettings",
    "RecommendSettings",
    "Section",
    "ServerSettings",
    "Settings",
    "SocialSettings",
    "StorageSettings",
    "StreamingSettings",
    "TranscodingSettings",
    "UploadSettings",
    "WatchPartySettings",
]


class Settings(Section):
    server: ServerSettings = Field(default_factory=ServerSettings)
    paths: PathSettings = Field(default_factory=PathSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    housekeeping: HousekeepingSettings = Field(default_factory=HousekeepingSettings)
    library: LibrarySettings = Field(default_factory=LibrarySettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    transcoding: TranscodingSettings = Field(default_factory=TranscodingSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    plugins: PluginSettings = Field(default_factory=PluginSettings)
    watchparty: WatchPartySettings = Field(default_factory=WatchPartySettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    social: SocialSettings = Field(default_factory=SocialSettings)
    metadata: MetadataSettings = Field(default_factory=MetadataSettings)
    recommend: RecommendSettings = Field(default_factory=RecommendSettings)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    offline: OfflineSettings = Field(default_factory=OfflineSettings)

    @field_validator("paths")
    @classmethod
    def _expand(cls, v: PathSettings) -> PathSettings:
        # Absolute once loaded: a later change of working directory moves nothing.
        v.data_dir = v.data_dir.expanduser().absolute()
        v.cache_dir = v.cache_dir.expanduser().absolute()
        return v

    # Derived values: computed, never stored, so there is one source of truth.
    @property
    def database_url(self) -> str:
        url = self.database.url.get_secret_value()
        if url:
            return url
        return f"sqlite+aiosqlite:///{(self.paths.data_dir / 'mediaserver.db').resolve()}"

    @property
    def storage_root(self) -> Path:
        return self.storage.root or self.paths.data_dir / "storage"

    @property
    def plugins_folder(self) -> Path:
        return self.plugins.folder or self.paths.data_dir / "plugins"
