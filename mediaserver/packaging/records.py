"""Packaging's records: the source a job works from, and a ladder row with its rungs, audio
renditions, subtitles, poster candidates and trickplay sheets.

The `ladders` row stores those as JSON; `ladder_from_row` turns them into these frozen records
at the database edge (fields a row does not have read back as their defaults), and `to_json`
gives the stored form back for the API.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from mediaserver.library import LibraryPolicy

LadderStatus = Literal["queued", "running", "ready", "failed"]
SubtitleOrigin = Literal["embedded", "sidecar"]


def _known(kind: type, data: Any) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(kind)}
    return {k: v for k, v in (data or {}).items() if k in names}


def to_json(record: Any) -> dict[str, Any]:
    """A record as the plain JSON the row stores (nested records and tuples as lists)."""
    return dataclasses.asdict(record)


@dataclass(frozen=True, slots=True)
class SubtitleSource:
    """A subtitle track of a media file, as the scanner found it."""

    id: int
    source: SubtitleOrigin
    stream_index: int | None
    path: str | None  # OS path of a sidecar
    format: str
    language: str | None
    forced: bool
    default: bool
    sdh: bool
    bitmap: bool


@dataclass(frozen=True, slots=True)
class PackageSource:
    """A media file as a packaging job needs it."""

    media_file_id: int
    library_id: int
    policy: LibraryPolicy
    path: str  # OS path (surrogate escapes kept)
    display_path: str
    roots: list[str]  # the library's roots (safe_paths.library_roots): files stay inside one
    size: int
    mtime: float
    status: str
    removed: bool
    duration_seconds: float | None
    title_id: int | None
    episode_id: int | None
    is_main: bool  # not an extra, not part 2+: its frames may become the title's posters
    subtitles: list[SubtitleSource] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LadderRung:
    name: str
    width: int
    height: int
    bandwidth: int | None = None  # HLS BANDWIDTH: video peak + the largest audio peak
    average_bandwidth: int | None = None
    video_bandwidth: int | None = None
    codecs: str | None = None
    frame_rate: float | None = None
    segment_count: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LadderRung:
        values = _known(cls, data)
        return cls(**{"name": "", "width": 0, "height": 0} | values)


@dataclass(frozen=True, slots=True)
class LadderAudio:
    name: str  # folder under audio/
    source_index: int  # the source's audio stream
    language: str | None = None
    title: str | None = None
    channels: int | None = None
    codecs: str | None = None
    bandwidth: int | None = None
    average_bandwidth: int | None = None
    default: bool = False
    segment_count: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LadderAudio:
        return cls(**{"name": "", "source_index": 0} | _known(cls, data))


@dataclass(frozen=True, slots=True)
class LadderSubtitle:
    """A subtitle track of a ladder: converted to WebVTT (key, playlist_key), burn-in only, or
    left out with the reason (error)."""

    language: str | None
    forced: bool = False
    default: bool = False
    sdh: bool = False
    source: SubtitleOrigin | None = None
    format: str | None = None
    stream_index: int | None = None
    burn_in_only: bool = False
    error: str | None = None
    name: str | None = None  # its folder under subs/
    key: str | None = None  # storage key of subs.vtt
    playlist_key: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LadderSubtitle:
        return cls(**{"language": None} | _known(cls, data))


@dataclass(frozen=True, slots=True)
class PosterCandidateRecord:
    """A poster candidate taken from the video: its files by format and width, best first."""

    key: str | None  # the largest WebP
    jpeg: str | None = None  # the largest JPEG
    index: int = 0
    time: float = 0.0
    score: float = 0.0
    width: int | None = None
    height: int | None = None
    rejected: str | None = None
    files: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PosterCandidateRecord:
        return cls(**{"key": None} | _known(cls, data))


@dataclass(frozen=True, slots=True)
class Trickplay:
    """Scrub thumbnails: a WebVTT file naming tiles of the sheets."""

    vtt: str  # storage key
    sheets: tuple[str, ...] = ()
    tiles: int = 0
    interval: float = 0.0
    tile_width: int = 0
    tile_height: int = 0
    columns: int = 0
    rows: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Trickplay | None:
        values = _known(cls, data)
        if "vtt" not in values or not values["vtt"]:
            return None
        values["sheets"] = tuple(values["sheets"] or ()) if "sheets" in values else ()
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Ladder:
    media_file_id: int
    status: LadderStatus
    job_id: int | None
    error: str | None
    storage_prefix: str | None
    rungs: tuple[LadderRung, ...]
    audio: tuple[LadderAudio, ...]
    subtitles: tuple[LadderSubtitle, ...]
    posters: tuple[PosterCandidateRecord, ...]
    poster_key: str | None
    trickplay: Trickplay | None
    duration_seconds: float | None
    encoder: str | None
    created_at: float
    updated_at: float
    published_at: float | None
    display_path: str = ""
    title: str | None = None

    @property
    def published(self) -> bool:
        return self.storage_prefix is not None and self.published_at is not None


def ladder_from_row(row: Any) -> Ladder:
    """A `ladders` row (joined with the file's display path and title) as a Ladder."""
    m = row._mapping
    return Ladder(
        media_file_id=m["media_file_id"],
        status=m["status"],
        job_id=m["job_id"],
        error=m["error"],
        storage_prefix=m["storage_prefix"],
        rungs=tuple(LadderRung.from_json(r) for r in m["rungs"] or ()),
        audio=tuple(LadderAudio.from_json(a) for a in m["audio"] or ()),
        subtitles=tuple(LadderSubtitle.from_json(s) for s in m["subtitles"] or ()),
        posters=tuple(PosterCandidateRecord.from_json(p) for p in m["posters"] or ()),
        poster_key=m["poster_key"],
        trickplay=Trickplay.from_json(m["trickplay"]),
        duration_seconds=m["duration_seconds"],
        encoder=m["encoder"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        published_at=m["published_at"],
        display_path=m["display_path"] or "",
        title=m["title"],
    )


@dataclass(frozen=True, slots=True)
class PublishedLadder:
    """What one publish records in the `ladders` row, storage keys under its prefix."""

    storage_prefix: str
    rungs: tuple[LadderRung, ...]
    audio: tuple[LadderAudio, ...]
    subtitles: tuple[LadderSubtitle, ...]
    posters: tuple[PosterCandidateRecord, ...]
    trickplay: Trickplay | None
    duration_seconds: float | None
    encoder: str

    @property
    def poster_key(self) -> str | None:
        return self.posters[0].key if self.posters else None

    def row_values(self) -> dict[str, Any]:
        """The row's columns, the records as the JSON they are stored as."""
        return {
            "storage_prefix": self.storage_prefix,
            "rungs": [to_json(r) for r in self.rungs],
            "audio": [to_json(a) for a in self.audio],
            "subtitles": [to_json(s) for s in self.subtitles],
            "posters": [to_json(p) for p in self.posters],
            "poster_key": self.poster_key,
            "trickplay": to_json(self.trickplay) if self.trickplay is not None else None,
            "duration_seconds": self.duration_seconds,
            "encoder": self.encoder,
        }
