"""The blocking half of a packaging job: everything that reads the source, in one worker thread.

`package_into(plan, out_dir, report, should_stop)` converts the text subtitles to WebVTT, builds
the ladder (one decode feeding every rung), takes poster candidates and trickplay sheets, and
leaves the complete tree in `out_dir`, laid out exactly as it is published:

    master.m3u8  manifest.mpd  video/<rung>/...  audio/<n>/...  subs/<name>/subs.vtt
    posters/...  trickplay/...

It knows nothing about jobs, storage or the database; the async half (`jobs`) does.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaserver.jobs import PermanentJobError
from mediaserver.media.ladder.build import LadderCancelled, LadderError, build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.languages import bcp47, display_name
from mediaserver.media.packaged.dash import MPD_NAME
from mediaserver.media.packaged.hls import MASTER, subtitle_folders
from mediaserver.media.packaged.renditions import LadderResult, SubtitleRendition
from mediaserver.media.posters import PosterCandidate, make_poster_candidates
from mediaserver.media.sniff import MediaRejected
from mediaserver.media.subtitles import (
    BitmapSubtitle,
    SubtitleError,
    SubtitleOutput,
    convert_embedded_many,
    convert_sidecar,
)
from mediaserver.media.trickplay import TrickplayResult, make_trickplay
from mediaserver.packaging.records import PosterCandidateRecord, SubtitleSource, Trickplay
from mediaserver.safe_paths import stays_inside

log = logging.getLogger(__name__)

# Share of the progress bar each stage gets.
SUBS_END, LADDER_END, POSTERS_END, TRICKPLAY_END = 2.0, 90.0, 93.0, 97.0
SUBS_DIR, POSTERS_DIR, TRICKPLAY_DIR = "subs", "posters", "trickplay"
VTT_NAME = "subs.vtt"
Report = Callable[[float, float | None, float | None, str], None]


class Stopped(Exception):
    """should_stop() said so; nothing of the run is kept."""


class PackagingFailed(PermanentJobError):
    """The source cannot be packaged (damaged, truncated, a codec nothing decodes); the message is
    the reason a person reads. Running the job again would fail the same way, unless the disk
    was full (see jobs.Packager)."""


@dataclass(frozen=True, slots=True)
class Plan:
    source: Path
    roots: list[str]  # sidecars are read only inside these folders
    subtitles: list[SubtitleSource]
    profile: LadderProfile
    frame_rate: float | None = None


@dataclass(frozen=True, slots=True)
class ConvertedSubtitle:
    """What became of one subtitle track: a WebVTT file placed in the tree (vtt, under
    subs/<name>/), burn-in only, or left out with the reason (error)."""

    track: SubtitleSource
    burn_in_only: bool
    vtt: Path | None = None
    cues: int | None = None
    error: str | None = None
    name: str | None = None  # its folder under subs/


@dataclass(slots=True)
class Output:
    ladder: LadderResult
    subtitles: list[ConvertedSubtitle] = field(default_factory=list)
    posters: list[PosterCandidateRecord] = field(default_factory=list)  # files relative to out
    trickplay: Trickplay | None = None  # names relative to out
    seconds: float = 0.0
    encoder: str = ""  # the video encoder that really made the ladder


def jsonable(value: Any) -> Any:
    """Result objects (dataclasses, paths, fractions, enums) as plain JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    try:
        return float(value)  # Fraction and friends
    except (TypeError, ValueError):
        return str(value)


def _converted(
    track: SubtitleSource,
    result: SubtitleOutput | BitmapSubtitle | SubtitleError | None,
    path: Path,
) -> ConvertedSubtitle:
    if isinstance(result, SubtitleOutput):
        return ConvertedSubtitle(track, burn_in_only=False, cues=result.cue_count, vtt=path)
    if isinstance(result, BitmapSubtitle):
        return ConvertedSubtitle(track, burn_in_only=True)
    reason = result.reason if isinstance(result, SubtitleError) else "not converted"
    return ConvertedSubtitle(track, burn_in_only=False, error=reason)


def convert_subtitles(plan: Plan, out_dir: Path) -> list[ConvertedSubtitle]:
    """Every text subtitle to WebVTT, placed at subs/<folder>/subs.vtt next to the playlist the
    encoder writes for it; bitmap ones recorded as burn-in only; one that cannot be read is
    recorded with its reason and left out (the others still play).

    Entries with a file carry `name` (the folder under subs/) and `vtt` (its path)."""
    scratch = out_dir.parent / "subs-converted"
    entries: list[ConvertedSubtitle] = []
    embedded = {
        t.stream_index: t
        for t in plan.subtitles
        if t.source == "embedded" and t.stream_index is not None
    }
    targets = {}
    for index, track in embedded.items():
        if track.bitmap:
            entries.append(ConvertedSubtitle(track, burn_in_only=True))
        else:
            targets[index] = scratch / f"embedded-{index}.vtt"
    if targets:
        results = convert_embedded_many(plan.source, targets)
        for index, path in targets.items():
            entries.append(_converted(embedded[index], results.get(index), path))
    for n, track in enumerate(plan.subtitles):
        if track.source != "sidecar" or track.path is None:
            continue
        if track.bitmap:
            entries.append(ConvertedSubtitle(track, burn_in_only=True))
            continue
        if not any(stays_inside(track.path, root) for root in plan.roots):
            entries.append(
                ConvertedSubtitle(track, burn_in_only=False, error="outside the library")
            )
            continue
        path = scratch / f"sidecar-{n}.vtt"
        try:
            result: SubtitleOutput | SubtitleError = convert_sidecar(
                Path(track.path),
                track.format,
                path,
                language=track.language,
                forced=track.forced,
                default=track.default,
                sdh=track.sdh,
                fps=plan.frame_rate,
            )
        except SubtitleError as exc:
            result = exc
        entries.append(_converted(track, result, path))
    return _place(entries, out_dir)


def _place(entries: list[ConvertedSubtitle], out_dir: Path) -> list[ConvertedSubtitle]:
    """Move each converted file to the folder the encoder will name for it (hls.py)."""
    done = [(e, e.vtt) for e in entries if e.vtt is not None]
    folders = subtitle_folders([_rendition(e.track, "") for e, _vtt in done])
    placed: dict[int, ConvertedSubtitle] = {}
    for (entry, vtt), folder in zip(done, folders, strict=True):
        target = out_dir / folder / VTT_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(vtt, target)
        name = folder.removeprefix(f"{SUBS_DIR}/")
        placed[id(entry)] = dataclasses.replace(entry, vtt=target, name=name)
    return [placed.get(id(e), e) for e in entries]


def _rendition_label(track: SubtitleSource) -> str:
    label = display_name(track.language)
    if track.forced:
        return f"{label} (forced)"
    return f"{label} (SDH)" if track.sdh else label


def _rendition(track: SubtitleSource, uri: str) -> SubtitleRendition:
    return SubtitleRendition(
        language=bcp47(track.language) or "und",
        name=_rendition_label(track),
        forced=track.forced,
        default=track.default,
        uri=uri or "subs/pending.vtt",
    )


def renditions(entries: Sequence[ConvertedSubtitle]) -> list[SubtitleRendition]:
    """The placed WebVTT files as HLS subtitle renditions (uri relative to the ladder)."""
    return [
        _rendition(e.track, f"{SUBS_DIR}/{e.name}/{VTT_NAME}") for e in entries if e.vtt is not None
    ]


def poster_entries(candidates: Sequence[PosterCandidate]) -> list[PosterCandidateRecord]:
    """Candidates that have files, best first, with their files by format and width."""
    out = []
    for c in candidates:
        if not c.files:
            continue
        files: dict[str, dict[str, str]] = {"webp": {}, "jpeg": {}}
        for (width, fmt), name in sorted(c.files.items(), reverse=True):
            files.setdefault(fmt, {})[str(width)] = f"{POSTERS_DIR}/{name}"
        out.append(
            PosterCandidateRecord(
                key=None,
                index=c.index,
                time=c.time_seconds,
                score=c.score,
                width=c.width,
                height=c.height,
                rejected=c.rejected_reason,
                files=files,
            )
        )
    return out


def trickplay_entry(result: TrickplayResult) -> Trickplay:
    return Trickplay(
        vtt=f"{TRICKPLAY_DIR}/{result.vtt_name}",
        sheets=tuple(f"{TRICKPLAY_DIR}/{name}" for name in result.sheets),
        tiles=result.tile_count,
        interval=result.interval,
        tile_width=result.tile_width,
        tile_height=result.tile_height,
        columns=result.columns,
        rows=result.rows,
    )


def package_into(
    plan: Plan, out_dir: Path, report: Report, should_stop: Callable[[], bool]
) -> Output:
    """Make the whole tree in `out_dir` (an empty folder). Raises PackagingFailed with the reason,
    or Stopped when should_stop() turned true."""
    started = time.monotonic()

    def check(_fraction: float = 0.0) -> None:
        if should_stop():
            raise Stopped()

    def ladder_progress(percent: float, fps: float | None, eta: float | None) -> None:
        share = SUBS_END + (LADDER_END - SUBS_END) * max(0.0, min(100.0, percent)) / 100
        report(share, fps, eta, "encoding the ladder")

    def trickplay_progress(fraction: float) -> None:
        check()
        share = POSTERS_END + (TRICKPLAY_END - POSTERS_END) * fraction
        report(share, None, None, "making trickplay thumbnails")

    try:
        report(0.0, None, None, "converting subtitles")
        subtitles = convert_subtitles(plan, out_dir)
        check()
        report(SUBS_END, None, None, "encoding the ladder")
        ladder, profile = _encode_ladder(
            plan, out_dir, renditions(subtitles), ladder_progress, should_stop
        )
        check()
        report(LADDER_END, None, None, "choosing posters")
        posters = make_poster_candidates(plan.source, out_dir / POSTERS_DIR)
        check()
        report(POSTERS_END, None, None, "making trickplay thumbnails")
        trickplay = make_trickplay(
            plan.source, out_dir / TRICKPLAY_DIR, progress=trickplay_progress
        )
        check()
    except (Stopped, PackagingFailed, LadderCancelled):
        if should_stop():
            raise Stopped() from None
        raise
    except (MediaRejected, LadderError) as exc:
        if should_stop():
            raise Stopped() from None
        raise PackagingFailed(exc.reason) from None
    return Output(
        ladder=ladder,
        subtitles=subtitles,
        posters=poster_entries(posters),
        trickplay=trickplay_entry(trickplay),
        seconds=time.monotonic() - started,
        encoder=profile.encoder,
    )


def _encode_ladder(
    plan: Plan,
    out_dir: Path,
    subtitles: Sequence[SubtitleRendition],
    progress: Callable[[float, float | None, float | None], None],
    should_stop: Callable[[], bool],
) -> tuple[LadderResult, LadderProfile]:
    """The ladder and the profile that made it: with the hardware encoder when one was detected,
    and once more with libx264/libx265 if the hardware fails on this source (a driver that cannot
    take this size or profile, a GPU that went away): a title never stays unplayable for it."""
    try:
        return build_ladder(
            plan.source, out_dir, plan.profile, subtitles=subtitles,
            progress=progress, should_stop=should_stop,
        ), plan.profile  # fmt: skip
    except LadderError as exc:
        if plan.profile.hardware is None or should_stop():
            raise
        log.warning(
            "%s failed on %s (%s); packaging it with %s instead",
            plan.profile.encoder, plan.source.name, exc.reason, plan.profile.software().encoder,
        )  # fmt: skip
        _remove_ladder_output(out_dir)
    software = plan.profile.software()
    return build_ladder(
        plan.source, out_dir, software, subtitles=subtitles,
        progress=progress, should_stop=should_stop,
    ), software  # fmt: skip


def _remove_ladder_output(out_dir: Path) -> None:
    """What a failed encode wrote (segments, playlists), keeping the converted subtitles."""
    for name in ("video", "audio"):
        shutil.rmtree(out_dir / name, ignore_errors=True)
    for name in (MASTER, MPD_NAME):
        (out_dir / name).unlink(missing_ok=True)
