"""Clips: a range of a video cut on exact frames (GOPs inside the range copied, only the cut
edges re-encoded) into a small HLS playlist and a poster JPEG (playable from then on), then an
MP4 from the same packets. Plain PyAV on paths."""

from mediaserver.media.clips.clip import (
    MP4_NAME,
    POSTER_NAME,
    ClipResult,
    PlayableClip,
    cut_clip,
    start_clip,
)
from mediaserver.media.clips.cut import ClipCutError
from mediaserver.media.clips.mux import PLAYLIST

__all__ = [
    "MP4_NAME",
    "PLAYLIST",
    "POSTER_NAME",
    "ClipCutError",
    "ClipResult",
    "PlayableClip",
    "cut_clip",
    "start_clip",
]
