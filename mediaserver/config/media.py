"""What the server does with media: jobs and housekeeping, library scans and uploads, ladder
transcoding and streaming."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from mediaserver.config.base import Section


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


