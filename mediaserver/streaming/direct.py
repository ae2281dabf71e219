"""Original files for direct play, and any text subtitle track as a cached WebVTT file.

Files are found by database id only. The stored path must lie inside one of its library's
folders, and so must the path with every link resolved: a symlink pointing out of the library is
refused (docs/security.md, path traversal). Subtitles are converted by media/subtitles.py (which
renders cue text safely) into paths.cache_dir/subtitles/, named by ids and the source's size
and mtime, so a replaced file or side file is converted again. Conversion runs in a thread, once
per track even when several requests ask at the same time.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mediaserver.errors import NotFound
from mediaserver.media.sniff import MediaRejected
from mediaserver.media.subtitles import (
    BitmapSubtitle,
    SubtitleError,
    convert_embedded,
    convert_sidecar,
)
from mediaserver.safe_paths import file_inside
from mediaserver.streaming.store import PlayableFile, SubtitleTrack

SUBTITLE_CACHE = "subtitles"
GONE = "The file of this title is not available."


def _inside_roots(path: str, roots: tuple[str, ...]) -> str:
    """The real path of `path` when both it and its real path are inside one of the library's
    roots (its folders and its upload folder), a regular file; NotFound otherwise."""
    real = file_inside(path, roots)
    if real is None:
        raise NotFound(GONE)
    return real


async def original_path(file: PlayableFile) -> str:
    """The original's real path, checked (see the module docstring)."""
    return await asyncio.to_thread(_inside_roots, file.path, file.roots)


class SubtitleCache:
    """WebVTT files made on first request, kept in cache_dir."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = Path(cache_dir) / SUBTITLE_CACHE
        self._locks: dict[str, asyncio.Lock] = {}

    async def vtt(self, file: PlayableFile, track: SubtitleTrack) -> Path:
        """The WebVTT file of this track; NotFound with the reason when it cannot be made."""
        if track.bitmap:
            raise NotFound(
                "This subtitle track is made of pictures; it can only be burned in "
                '(ask for playback with "subtitle_burn").'
            )
        source = await asyncio.to_thread(self._source_of, file, track)
        info = await asyncio.to_thread(os.stat, source)
        name = f"{file.media_file_id}-{track.id}-{info.st_size}-{int(info.st_mtime)}.vtt"
        target = self.folder / name
        # One lock per track (a few hundred bytes each, as many as tracks ever played).
        async with self._locks.setdefault(f"{file.media_file_id}-{track.id}", asyncio.Lock()):
            if not await asyncio.to_thread(target.exists):
                await asyncio.to_thread(self._convert, source, track, target)
        return target

    @staticmethod
    def _source_of(file: PlayableFile, track: SubtitleTrack) -> str:
        if track.source == "sidecar":
            if track.path is None:
                raise NotFound("This subtitle file is not available.")
            return _inside_roots(track.path, file.roots)
        if track.stream_index is None:
            raise NotFound("This subtitle track is not available.")
        return _inside_roots(file.path, file.roots)

    def _convert(self, source: str, track: SubtitleTrack, target: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            if track.source == "sidecar":
                convert_sidecar(Path(source), track.format, tmp, language=track.language)
            else:
                convert_embedded(Path(source), int(track.stream_index or 0), tmp)
            os.replace(tmp, target)
        except BitmapSubtitle:
            raise NotFound(
                "This subtitle track is made of pictures; it can only be burned in."
            ) from None
        except (SubtitleError, MediaRejected) as exc:
            raise NotFound(f"This subtitle track cannot be shown: {exc.reason}.") from None
        finally:
            tmp.unlink(missing_ok=True)
