"""PyAV work, no web code (never imports aiohttp): probe, sniff, and later ladder, encode, package.

Everything here is synchronous; async callers use `await asyncio.to_thread(...)`.
"""

from mediaserver.media.probe import probe_file
from mediaserver.media.probe_result import (
    AudioStreamInfo,
    ChapterInfo,
    OtherStreamInfo,
    ProbeResult,
    SubtitleStreamInfo,
    VideoStreamInfo,
)
from mediaserver.media.sniff import MediaRejected, Sniffed, open_media, sniff_file, sniff_kind

__all__ = [
    "AudioStreamInfo",
    "ChapterInfo",
    "MediaRejected",
    "OtherStreamInfo",
    "ProbeResult",
    "Sniffed",
    "SubtitleStreamInfo",
    "VideoStreamInfo",
    "open_media",
    "probe_file",
    "sniff_file",
    "sniff_kind",
]
