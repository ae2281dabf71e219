"""Clips: a range of a video cut on exact frames (GOPs inside the range copied, only the cut
edges re-encoded) into an MP4, a small HLS playlist and a poster JPEG. Plain PyAV on paths."""

from mediaserver.media.clips.clip import MP4_NAME, PLAYLIST, POSTER_NAME, ClipResult, cut_clip
from mediaserver.media.clips.cut import ClipCutError

__all__ = ["MP4_NAME", "PLAYLIST", "POSTER_NAME", "ClipCutError", "ClipResult", "cut_clip"]
