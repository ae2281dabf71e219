"""Reading one video file for a scan: probe, name guess, NFO, sidecars. Blocking: use a thread.

Everything a file teaches us is gathered here into an `Analysis`, so that the database writer only
writes. A file that is not media (refused by the probe) is an Analysis with `error` set; a bad NFO
or unreadable sidecar is an issue next to an otherwise good file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from mediaserver.library.scan.name_guess import NameGuess
from mediaserver.library.scan.naming import guess
from mediaserver.library.scan.naming_rules import extra_suffix, strip_part
from mediaserver.library.scan.nfo import NfoData, NfoError, read_nfo
from mediaserver.library.scan.sidecars import (
    Artwork,
    Sidecars,
    find_folder_artwork,
    find_series_nfo,
    find_sidecars,
)
from mediaserver.library.scan.walker import FoundFile, WalkIssue, is_video_name
from mediaserver.media.probe import MediaRejected, probe_file
from mediaserver.media.probe_result import ProbeResult
from mediaserver.safe_paths import is_inside, stays_inside

ERROR_MAX = 2000


@dataclass(slots=True)
class Analysis:
    found: FoundFile
    probe: ProbeResult | None = None  # None when not probed (content unchanged) or refused
    probed: bool = False
    error: str | None = None  # why the file is not usable media
    guess: NameGuess | None = None
    nfo: NfoData | None = None
    series_nfo: NfoData | None = None
    sidecars: Sidecars | None = None
    series_art: tuple[Artwork, ...] = ()  # series folder and season folder artwork
    issues: list[WalkIssue] = field(default_factory=list)


def analyse(
    found: FoundFile, library_kind: str, do_probe: bool, folders: FolderCache | None = None
) -> Analysis:
    """Probe (when asked) and read the metadata around one file. Never raises for bad input."""
    a = Analysis(found)
    if do_probe:
        a.probed = True
        try:
            a.probe = probe_file(Path(found.path))
        except MediaRejected as exc:
            a.error = _cut(str(getattr(exc, "reason", "") or exc) or "not a playable video")
            return a
        except Exception as exc:  # the probe promises MediaRejected; a file is never fatal
            a.error = _cut(f"cannot be read: {type(exc).__name__}: {exc}")
            return a
        if not a.probe.has_video:
            a.error = "no video stream (audio only or cover art only)"
            a.probe = None
            return a
    g = a.guess = guess(found.rel_path, library_kind)  # type: ignore[arg-type]
    is_series = g.kind == "episode" or g.owner_kind == "series"
    a.sidecars = _safe_sidecars(
        find_sidecars(
            PurePath(found.path),
            found.folder.siblings,
            kind="episode" if is_series else "movie",
            own_folder=not is_series and _own_folder(found),
        ),
        found.root,
    )
    if a.sidecars.nfo is not None and g.kind != "extra":
        a.nfo = _read_nfo(Path(a.sidecars.nfo), found.root, a.issues)
    if is_series:
        _series_side(a, folders if folders is not None else FolderCache())
    return a


class FolderCache:
    """Names in folders above the files (series folders), listed once per scan; thread-safe."""

    def __init__(self) -> None:
        self._names: dict[str, tuple[str, ...]] = {}

    def names(self, folder: str) -> tuple[str, ...]:
        found = self._names.get(folder)
        if found is None:
            try:
                with os.scandir(folder) as it:
                    found = tuple(sorted(e.name for e in it))
            except OSError:
                found = ()
            self._names[folder] = found
        return found


def _series_folder(a: Analysis) -> str | None:
    """The series folder from the guess's key ("series:Show (2019)"), inside the root."""
    key = a.guess.source_key if a.guess is not None else ""
    if not key.startswith("series:") or key.startswith("series:#"):
        return None
    folder = os.path.normpath(os.path.join(a.found.root, key[len("series:") :]))
    if not is_inside(folder, a.found.root) or folder == a.found.root:
        return None
    return folder if is_inside(a.found.folder.path, folder) else None


def _series_side(a: Analysis, folders: FolderCache) -> None:
    """tvshow.nfo and series/season artwork for an episode (or a series extra)."""
    g, found = a.guess, a.found
    assert g is not None
    series_dir = _series_folder(a)
    if series_dir is None:
        return
    names = found.folder.siblings if series_dir == found.folder.path else folders.names(series_dir)
    nfo = find_series_nfo(PurePath(series_dir), names)
    if nfo is not None:
        a.series_nfo = _read_nfo(Path(nfo), found.root, a.issues)
    art = list(find_folder_artwork(PurePath(series_dir), names))
    if found.folder.path != series_dir and g.season is not None:
        art += find_folder_artwork(
            PurePath(found.folder.path), found.folder.siblings, season=g.season
        )
    a.series_art = tuple(x for x in art if stays_inside(x.path, found.root))


def _own_folder(found: FoundFile) -> bool:
    """A movie's own folder: not the root, and no other title's video next to it."""
    if found.folder.path == found.root:
        return False
    stems = {
        strip_part(os.path.splitext(n)[0])[0].casefold()
        for n in found.folder.siblings
        if is_video_name(n) and not extra_suffix(os.path.splitext(n)[0])[1]
    }
    return len(stems) <= 1


def _safe_sidecars(sidecars: Sidecars, root: str) -> Sidecars:
    """Drop sidecars that are symlinks leading out of the library root."""
    return Sidecars(
        subtitles=tuple(s for s in sidecars.subtitles if stays_inside(s.path, root)),
        artwork=tuple(x for x in sidecars.artwork if stays_inside(x.path, root)),
        nfo=sidecars.nfo if sidecars.nfo is None or stays_inside(sidecars.nfo, root) else None,
    )


def _cut(text: str) -> str:
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


def _read_nfo(path: Path, root: str, issues: list[WalkIssue]) -> NfoData | None:
    if not stays_inside(path, root):
        issues.append(WalkIssue(str(path), "symlink leads outside the library folders; ignored"))
        return None
    try:
        return read_nfo(path)
    except NfoError as exc:
        issues.append(WalkIssue(str(path), _cut(f"NFO ignored: {exc}")))
    except OSError as exc:
        issues.append(WalkIssue(str(path), f"NFO cannot be read: {exc.strerror}"))
    return None
