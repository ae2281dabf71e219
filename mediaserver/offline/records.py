"""The offline domain's records: a download as stored, and the choices a title offers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from mediaserver.media.languages import display_name

DownloadKind = Literal["file", "browser"]
DownloadState = Literal["active", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class Download:
    """One download an account holds: an MP4 handed out, or a title saved in a browser."""

    id: int
    user_id: int
    profile_id: int
    media_file_id: int
    kind: DownloadKind
    rung: str
    height: int
    audio: str | None
    subtitles: tuple[str, ...]
    size: int | None
    created_at: float
    checked_in_at: float
    expires_at: float
    revoked_at: float | None
    revoked_reason: str | None
    title: str = ""  # the movie, or "Series · S1E2 Episode"
    username: str = ""
    profile_name: str = ""
    user_disabled: bool = False

    @property
    def audio_label(self) -> str:
        """The audio track by language ("French"), from the packager's folder name."""
        match = _AUDIO_FOLDER.fullmatch(self.audio or "")
        return display_name(match["lang"]) if match else (self.audio or "no audio")

    @property
    def subtitle_labels(self) -> list[str]:
        return [display_name(name.split(".", 1)[0]) for name in self.subtitles]

    @property
    def size_label(self) -> str:
        return human_size(self.size)

    def state(self, now: float) -> DownloadState:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    @classmethod
    def of(cls, row: Any) -> Download:
        m = row._mapping
        return cls(
            id=m["id"], user_id=m["user_id"], profile_id=m["profile_id"],
            media_file_id=m["media_file_id"], kind=m["kind"], rung=m["rung"],
            height=m["height"], audio=m["audio"], subtitles=tuple(m["subtitles"] or ()),
            size=m["size"], created_at=m["created_at"], checked_in_at=m["checked_in_at"],
            expires_at=m["expires_at"], revoked_at=m["revoked_at"],
            revoked_reason=m["revoked_reason"], title=_title(m),
            username=m.get("username") or "", profile_name=m.get("profile_name") or "",
            user_disabled=bool(m.get("user_disabled")),
        )  # fmt: skip


_AUDIO_FOLDER = re.compile(r"[0-9]+_(?P<lang>[a-z]{2,3})_[0-9]+ch")


def human_size(size: int | None) -> str:
    if not size:
        return "—"
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} kB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.2f} GB"


def _title(m: Any) -> str:
    name = m.get("title_name") or m.get("series_name") or "Untitled"
    if m.get("episode_number") is None:
        return name
    code = f"S{m.get('season_number') or 0}E{m['episode_number']}"
    return f"{name} · {code} {m.get('episode_title') or ''}".rstrip()


@dataclass(frozen=True, slots=True)
class QualityChoice:
    rung: str
    height: int
    width: int


@dataclass(frozen=True, slots=True)
class TrackChoice:
    name: str  # the ladder's folder
    language: str | None
    label: str


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    """What the Download form offers for a file: qualities the account may have, its audio and
    subtitle languages, and how many downloads the account holds against its limit."""

    media_file_id: int
    title: str
    qualities: tuple[QualityChoice, ...]
    audio: tuple[TrackChoice, ...]
    subtitles: tuple[TrackChoice, ...]
    held: int
    limit: int
    duration_seconds: float | None
    from_source: bool = False  # no published ladder: made from the file when first asked for
