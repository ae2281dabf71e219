"""The dashboard's records: what is happening now (plays, on-the-fly sessions, jobs, the machine,
storage, the encoder, alerts) and how today and this week compare with the periods before. The page,
its live event stream and GET /api/v1/admin/dashboard all show these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mediaserver.analytics import PeriodSummary

AlertLevel = Literal["warning", "error"]
AlertKind = Literal["failed_jobs", "low_disk", "encoder"]


@dataclass(frozen=True, slots=True)
class PlayNow:
    """A play being watched: who, what, on which device, how and why, and where they are."""

    play_id: str
    user: str
    profile: str
    title: str
    device: str  # "Firefox on Windows", from the player's User-Agent
    client: str  # the User-Agent itself
    method: str  # ladder | direct | remux | transcode
    reason: str  # the playback decision's words
    rung: str | None
    bandwidth_bps: int | None  # None: nothing served in the last seconds (buffered, or paused)
    position_seconds: float | None  # None: the player has not reported yet
    duration_seconds: float | None
    paused: bool | None  # None: not known yet
    started_at: float


@dataclass(frozen=True, slots=True)
class LiveSessionNow:
    """An on-the-fly remux or transcode making segments for a play."""

    title: str
    user: str
    mode: str
    rung: str
    running: bool
    segment: int  # the last segment written, -1 before the first
    fps: float | None  # the encoder's frames per second while it works


@dataclass(frozen=True, slots=True)
class JobNow:
    id: int
    type: str
    status: str
    progress: float
    fps: float | None
    eta_seconds: float | None
    message: str


@dataclass(frozen=True, slots=True)
class JobsNow:
    running: tuple[JobNow, ...]
    queued: tuple[JobNow, ...]  # the next few to run
    queued_count: int
    failed_recently: int  # in the last FAILED_WINDOW seconds


@dataclass(frozen=True, slots=True)
class FolderSpace:
    label: str  # "Data folder", "Library Films"
    path: str
    free_bytes: int | None  # None: the folder cannot be read (missing, unmounted)
    total_bytes: int | None
    low: bool


@dataclass(frozen=True, slots=True)
class MachineNow:
    cpu_percent: float
    memory_percent: float
    memory_used_bytes: int
    memory_total_bytes: int
    process_cpu_percent: float
    process_memory_bytes: int
    cpus: int


@dataclass(frozen=True, slots=True)
class LibraryUsage:
    library_id: int
    name: str
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class StorageUsage:
    """What the media takes: originals per library, and what the server derived from them."""

    libraries: tuple[LibraryUsage, ...]
    ladders_bytes: int  # published adaptive ladders (segments, posters, trickplay, subtitles)
    live_cache_bytes: int  # on-the-fly segments kept for the next viewer
    measured_at: float


@dataclass(frozen=True, slots=True)
class EncoderNow:
    encoder: str  # "h264_nvenc", "libx264"
    hardware: str | None  # "nvenc", "qsv", "vaapi"; None: software
    requested: str
    reason: str
    detecting: bool


@dataclass(frozen=True, slots=True)
class Alert:
    level: AlertLevel
    kind: AlertKind
    message: str
    href: str | None


@dataclass(frozen=True, slots=True)
class NowSnapshot:
    at: float
    plays: tuple[PlayNow, ...]
    live_sessions: tuple[LiveSessionNow, ...]
    jobs: JobsNow
    machine: MachineNow
    folders: tuple[FolderSpace, ...]
    storage: StorageUsage
    encoder: EncoderNow | None
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    now: NowSnapshot
    # Today and this week, each beside the period before; None while the first count runs.
    summary: PeriodSummary | None
