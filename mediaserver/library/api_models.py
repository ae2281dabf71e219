"""Bodies of the library's JSON API (libraries, admin titles, uploads), for `@api` and the
OpenAPI document. Responses list exactly the fields the handlers answer with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediaserver.http.api import ApiModel
from mediaserver.library.libraries import LibraryKind, LibraryPolicy
from mediaserver.library.scan.store import FileStatus
from mediaserver.library.titles_admin import AdminTitle, TitleKind
from mediaserver.library.uploads.store import UploadStatus

# ----- libraries -----


class LibraryOut(ApiModel):
    id: int
    name: str
    kind: LibraryKind
    paths: list[str]
    policy: LibraryPolicy
    created_at: float
    updated_at: float
    last_scan_at: float | None


class LibraryWithCounts(LibraryOut):
    titles: int
    files: int
    failed: int
    missing: int


class LibraryListOut(ApiModel):
    libraries: list[LibraryWithCounts]


class LibraryCreated(LibraryOut):
    scan_job_id: int


class LibraryCreateBody(ApiModel):
    """Only these fields may be sent; any other is refused with a 400."""

    name: str
    kind: LibraryKind
    paths: list[str] | str
    policy: LibraryPolicy | None = None


class LibraryUpdateBody(ApiModel):
    """Only these fields may be sent; any other is refused. A new `paths` or `kind` rescans."""

    name: str | None = None
    kind: LibraryKind | None = None
    paths: list[str] | str | None = None
    policy: LibraryPolicy | None = None


class LibraryScanQueued(ApiModel):
    job_id: int = Field(description="The scan job: a new one, or the one already under way.")
    status: Literal["queued", "running"]
    already: bool = Field(
        description="True when a scan of this library was already queued or running: this "
        "request joined it instead of queueing another."
    )


# ----- titles (admin) -----


class AdminTitleQuery(ApiModel):
    q: str = ""
    library_id: int | None = None
    kind: TitleKind | None = None


class AdminTitleListOut(ApiModel):
    titles: list[AdminTitle]


class AdminTitleEditBody(ApiModel):
    """Only these fields may be sent; every field sent is locked against scans."""

    title: str | None = None
    year: int | str | None = None
    genres: list[str] | str | None = None
    description: str | None = None
    maturity_rating: str | None = None


class AdminMediaStream(ApiModel):
    stream_index: int
    kind: str
    codec: str | None
    profile: str | None
    level: int | None
    width: int | None
    height: int | None
    sample_aspect: str | None
    display_aspect: str | None
    frame_rate: float | None
    bit_depth: int | None
    pixel_format: str | None
    hdr_transfer: str | None
    rotation: int | None
    interlaced: bool
    channels: int | None
    channel_layout: str | None
    sample_rate: int | None
    bitrate: int | None
    language: str | None
    title: str | None
    is_default: bool
    is_forced: bool


class AdminSubtitleTrack(ApiModel):
    source: str
    stream_index: int | None
    format: str
    language: str | None
    is_forced: bool
    is_default: bool
    is_sdh: bool
    is_bitmap: bool
    file_name: str | None


class AdminChapter(ApiModel):
    position: int
    title: str | None
    start_seconds: float
    end_seconds: float | None


class AdminTitleFile(ApiModel):
    id: int
    display_path: str
    size: int
    status: FileStatus
    error: str | None
    part: int | None
    extra_kind: str | None
    episode_id: int | None
    container: str | None
    duration_seconds: float | None
    bitrate: int | None
    probed_at: float | None
    streams: list[AdminMediaStream]
    subtitles: list[AdminSubtitleTrack]
    chapters: list[AdminChapter]


class AdminTitleFilesOut(ApiModel):
    files: list[AdminTitleFile]


# ----- uploads -----


class UploadOut(ApiModel):
    token: str
    filename: str
    library_id: int
    library: str
    length: int | None
    offset: int
    status: UploadStatus
    error: str | None
    sha256: str | None
    created_at: float
    expires_at: float


class UploadListOut(ApiModel):
    uploads: list[UploadOut]
