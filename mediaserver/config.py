"""The settings model. Defaults live here only; config_loading.py reads a file, the environment
and CLI flags into it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)


class ConfigError(Exception):
    """A configuration problem a person can fix; the message says what and where."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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


class JobSettings(Section):
    concurrency: int = Field(
        2, ge=0, le=64, description="Jobs this process runs at once (0: none, a web-only instance)."
    )
    light_slots: int = Field(
        1,
        ge=0,
        le=64,
        description="Extra slots, beside concurrency, that only light jobs (scans, upload "
        "finishing, housekeeping) may use, so they never wait behind encodes.",
    )
    lease_seconds: float = Field(
        60.0, ge=5, description="A job whose worker stops heartbeating returns after this long."
    )
    heartbeat_seconds: float = Field(
        5.0,
        gt=0,
        description="How often a running job's worker says it is alive; a job silent for three "
        "of these shows as lost under Admin > Jobs (at most a third of lease_seconds).",
    )
    poll_seconds: float = Field(1.0, gt=0, description="How often an idle runner looks for work.")
    max_attempts: int = Field(5, ge=1, description="Attempts before a job is marked failed.")
    retry_base_seconds: float = Field(
        10.0, ge=0, description="First retry delay; doubles with each attempt."
    )
    keep_finished_days: int = Field(14, ge=1, description="Finished jobs are purged after this.")


class HousekeepingSettings(Section):
    interval_minutes: float = Field(
        15.0, ge=1, description="Housekeeping runs at start and then this often (one instance)."
    )
    keep_ended_sessions_days: float = Field(
        7.0, ge=0, description="Expired and signed-out sessions are deleted after this many days."
    )
    keep_plays_days: float = Field(
        90.0, ge=1, description="Plays (with their quality reports) are deleted after this."
    )
    keep_finished_uploads_days: float = Field(
        30.0, ge=0, description="Finished and failed uploads stay listed this many days."
    )


class LibrarySettings(Section):
    watch: bool = Field(
        True, description="Watch library folders and pick up changes within seconds."
    )
    rescan_minutes: int = Field(
        360, ge=0, description="Full rescan of every library this often (0 turns it off)."
    )
    scan_threads: int = Field(
        0, ge=0, le=64, description="Files probed at once during a scan (0: one per CPU core)."
    )


class UploadSettings(Section):
    max_bytes: int = Field(
        50 * 1024**3, ge=1, description="Largest file an upload may declare (bytes; 50 GB)."
    )
    expire_hours: float = Field(
        24.0, gt=0, description="An unfinished upload is deleted after this many idle hours."
    )
    fsync: bool = Field(
        False,
        description="fdatasync each PATCH before acknowledging its offset: acknowledged bytes "
        "survive a power cut, at the disk's synchronous write speed. Finishing always syncs.",
    )
    max_unfinished_per_user: int = Field(
        50, ge=1, description="Unfinished uploads one user may have at once (429 beyond)."
    )


class TranscodingSettings(Section):
    hwaccel: Literal["auto", "none", "nvenc", "qsv", "vaapi"] = Field(
        "auto",
        description="Hardware video encoder. auto: at start-up try NVENC, Quick Sync and VA-API "
        "by encoding a few frames and use the first that works; none: always libx264; a named "
        "one is used if it works, else libx264 with a warning. Admin > Packaging shows which.",
    )
    codec: Literal["h264", "hevc"] = Field(
        "h264", description="Ladder video codec: h264 (High, plays everywhere) or hevc (hvc1)."
    )
    preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"
    ] = Field("veryfast", description="x264/x265 preset for ladders: slower is smaller.")
    rungs: list[Literal["2160p", "1080p", "720p", "480p", "360p"]] = Field(
        default_factory=lambda: ["2160p", "1080p", "720p", "480p", "360p"],
        description="Ladder rungs; never above the source size; 2160p only with hevc.",
    )
    segment_seconds: float = Field(
        4.0, ge=2, le=10, description="Segment length; a whole multiple of gop_seconds."
    )
    gop_seconds: float = Field(
        2.0, ge=0.5, le=2, description="Keyframe interval, the same on every rung."
    )
    surround: bool = Field(
        False, description="Also keep 5.1 sources as AAC 5.1 (besides the stereo track)."
    )
    threads: int = Field(
        0, ge=0, le=64, description="Threads per encoder (0: let the encoder decide)."
    )

    @model_validator(mode="after")
    def _segments_hold_whole_gops(self) -> TranscodingSettings:
        # Every rung cuts segments at the same keyframes, so a segment must be whole GOPs.
        ratio = Fraction(str(self.segment_seconds)) / Fraction(str(self.gop_seconds))
        if ratio.denominator != 1:
            raise ValueError("transcoding.segment_seconds must be a whole multiple of gop_seconds")
        return self


class StreamingSettings(Section):
    max_height: int = Field(
        0,
        ge=0,
        le=4320,
        description="Highest video height any stream may have (e.g. 720 to save upload "
        "bandwidth); 0: no cap. Bound into every media token.",
    )
    token_ttl_seconds: int = Field(
        1800,
        ge=60,
        le=7 * 86400,
        description="How long a signed media URL works. The player renews it as it plays "
        "(POST /api/v1/playback/<id>/renew); rights changes reach it within seconds anyway.",
    )
    device_token_ttl_seconds: int = Field(
        21600,
        ge=60,
        le=7 * 86400,
        description="Longest a media URL handed to a device that cannot renew it (Chromecast, "
        "AirPlay) works: the title's length plus token_ttl_seconds, at most this.",
    )
    live_segment_seconds: float = Field(
        2.0, ge=1, le=10, description="Segment length of on-the-fly HLS (short: fast start/seek)."
    )
    live_preset: Literal["ultrafast", "superfast", "veryfast", "faster"] = Field(
        "veryfast", description="x264 preset for on-the-fly transcodes."
    )
    max_sessions: int = Field(
        4,
        ge=1,
        le=256,
        description="On-the-fly transcodes running at once; more get 503 with Retry-After.",
    )
    run_ahead_segments: int = Field(
        4, ge=1, le=60, description="Segments an on-the-fly session makes ahead of the player."
    )
    idle_timeout_seconds: float = Field(
        60.0, ge=5, description="An on-the-fly session nobody fetched from this long is stopped."
    )
    cache_max_bytes: int = Field(
        5 * 1024**3,
        ge=64 * 1024**2,
        description="Disk budget for on-the-fly segments in paths.cache_dir (oldest used evicted).",
    )


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


class WatchPartySettings(Section):
    max_rooms_per_user: int = Field(
        3, ge=1, le=100, description="Open watch-together rooms one user may host at once."
    )
    max_members: int = Field(
        20, ge=2, le=500, description="Members one watch-together room may have at once."
    )
    buffer_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="Default for new rooms: how long the room waits for a member who is "
        "buffering before it plays on without them (they catch up).",
    )
    empty_grace_seconds: float = Field(
        300.0, ge=10, description="A room with nobody connected closes after this long."
    )
    invite_hours: float = Field(
        24.0, gt=0, le=24 * 30, description="Default lifetime of a room invite link."
    )


class AnalyticsSettings(Section):
    keep_heartbeats_days: float = Field(
        30.0,
        ge=1,
        description="Raw progress heartbeats are kept this long, then only their hourly and "
        "daily rollups remain.",
    )
    rollup_minutes: float = Field(
        5.0, ge=1, le=1440, description="How often new events are rolled up into the hourly tables."
    )
    heartbeat_flush_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Players' position reports are written to the database together, at most "
        "this many seconds after they arrive.",
    )


class MetricsSettings(Section):
    enabled: bool = Field(True, description="Serve /metrics in the Prometheus text format.")
    token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token a scraper must send (Authorization: Bearer ...). Empty: "
        "/metrics answers only the addresses in allowed_addresses.",
    )
    allowed_addresses: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses/CIDRs that may scrape /metrics without the token.",
    )


class SocialSettings(Section):
    comments: bool = Field(
        True, description="Comments on title and episode pages (admins can also turn them off "
        "per library or per title)."
    )
    comments_per_minute: int = Field(
        5, ge=1, le=600, description="Comments one profile may post per minute (429 beyond)."
    )
    reactions_per_minute: int = Field(
        30, ge=1, le=600, description="Reactions one profile may send per minute (429 beyond)."
    )
    edit_minutes: float = Field(
        15.0, ge=0, le=1440, description="How long the author may edit a comment after posting."
    )
    clip_max_seconds: float = Field(
        60.0, ge=1, le=600, description="Longest clip a viewer may make."
    )
    public_clips: bool = Field(
        False,
        description="Let clip owners share clips publicly: the link then plays without an "
        "account (and reaches nothing else of the server).",
    )


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
