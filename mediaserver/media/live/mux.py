"""CMAF fMP4 output for on-the-fly HLS: one long-lived MP4 muxer per session, cut into segments.

The muxer (FFmpeg's mov muxer in fragmented mode) writes `ftyp+moov` once and then one
`moof+mdat` fragment at every video keyframe. `FragmentSink` is the file object it writes to: it
splits the byte stream into top-level boxes as they complete, keeps `ftyp+moov` as the init
segment and hands every fragment, with the decode time (`tfdt`) of its video track, to a callback
that groups fragments into segments by time. Timestamps are absolute: `frag_discont` makes the
first fragment's `tfdt` the first packet's own decode time instead of 0, so a session restarted at
segment n writes exactly the bytes-with-times a session running from the start would have.

Every muxer option here is a constant (docs/security.md, encoder option injection).
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

from mediaserver.media.packaged.boxes import BmffError, boxes

if TYPE_CHECKING:
    from mediaserver.media.live.keyframes import Timeline
    from mediaserver.media.live.types import LiveHooks

# Fragmented MP4, a fragment per video keyframe, absolute tfdt (frag_discont, no edit list),
# CMAF brand and signed composition offsets (B-frames without an edit list), no index or trailer
# boxes (segments are served one by one, nothing at the end of the file is ever read).
MOVFLAGS = (
    "frag_keyframe+empty_moov+default_base_moof+frag_discont+cmaf+negative_cts_offsets"
    "+skip_sidx+skip_trailer"
)
MUXER_OPTIONS = {
    "movflags": MOVFLAGS,
    "use_editlist": "0",
    # Keep source times as they are: shifting them to start at 0 would break restarts.
    "avoid_negative_ts": "disabled",
    "flush_packets": "1",
}
_VIDEO_TRACK_ID = 1  # the video stream is always added first
# The muxer writes a moof with a placeholder size and seeks back to fill it in, which works only
# while the whole box is still in its I/O buffer (the sink cannot seek). A moof grows by about
# 16 bytes a sample: this holds one for ~30 minutes of audio (a fragment spanning a timestamp
# jump in a broken recording) instead of failing with "malformed box".
WRITE_BUFFER = 4 << 20


@dataclass(frozen=True)
class Fragment:
    """One moof+mdat: its bytes and the video track's decode time in seconds (None: no video)."""

    data: bytes
    video_time: float | None


class FragmentSink:
    """A write-only file object for the muxer that splits its output into init and fragments.

    The muxer only appends here (empty_moov, no index, no trailer); `seek`/`tell` exist because
    FFmpeg's I/O asks for them, and a seek that would rewrite bytes already handed on is refused.
    """

    def __init__(self, on_fragment: Callable[[Fragment], None]) -> None:
        self.on_fragment = on_fragment
        self.init: bytes | None = None
        self.init_done = False  # the moov is in `init`
        self._buffer = bytearray()
        self._pending_moof: bytes | None = None
        self._written = 0  # bytes handed on or buffered
        self._timescales: dict[int, int] = {}

    # -- file object -----------------------------------------------------------------------------

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._written += len(data)
        self._drain()
        return len(data)

    def tell(self) -> int:
        return self._written

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self._written + offset if whence == 1 else -1
        if target != self._written:
            raise OSError("the live fMP4 muxer may only append")
        return self._written

    def flush(self) -> None:
        return None

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    # -- box splitting ---------------------------------------------------------------------------

    def _drain(self) -> None:
        while len(self._buffer) >= 8:
            size, kind = struct.unpack_from(">I4s", self._buffer, 0)
            if size == 1:
                if len(self._buffer) < 16:
                    return
                size = struct.unpack_from(">Q", self._buffer, 8)[0]
            if size < 8:
                raise OSError("the muxer wrote a malformed box")
            if len(self._buffer) < size:
                return
            box = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._box(kind, box)

    def _box(self, kind: bytes, box: bytes) -> None:
        if kind in (b"ftyp", b"moov"):
            self.init = (self.init or b"") + box
            if kind == b"moov":
                self._timescales = _timescales(box)
                self.init_done = True
        elif kind == b"moof":
            self._pending_moof = box
        elif kind == b"mdat" and self._pending_moof is not None:
            moof, self._pending_moof = self._pending_moof, None
            self.on_fragment(Fragment(moof + box, self._video_time(moof)))
        # styp, sidx, mfra and free boxes carry nothing a segment needs.

    def _video_time(self, moof: bytes) -> float | None:
        scale = self._timescales.get(_VIDEO_TRACK_ID)
        for track_id, decode_time in _tfdts(moof):
            if track_id == _VIDEO_TRACK_ID and scale:
                return decode_time / scale
        return None


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of the boxes in [start, end); a box that overruns its parent
    ends the walk (a bad box in the muxer's own output is no reason to fail the session)."""
    with contextlib.suppress(BmffError):
        for box in boxes(data, start, end):
            yield box.kind, box.payload, box.end


def _timescales(moov: bytes) -> dict[int, int]:
    """track_ID -> media timescale, from moov/trak/(tkhd, mdia/mdhd)."""
    found: dict[int, int] = {}
    for kind, start, end in _children(moov, 8, len(moov)):
        if kind != b"trak":
            continue
        track_id = scale = None
        for sub, s_start, s_end in _children(moov, start, end):
            if sub == b"tkhd":
                version = moov[s_start]
                track_id = struct.unpack_from(">I", moov, s_start + (20 if version else 12))[0]
            elif sub == b"mdia":
                for leaf, l_start, _l_end in _children(moov, s_start, s_end):
                    if leaf == b"mdhd":
                        version = moov[l_start]
                        scale = struct.unpack_from(">I", moov, l_start + (20 if version else 12))[0]
        if track_id is not None and scale:
            found[track_id] = scale
    return found


def _tfdts(moof: bytes) -> list[tuple[int, int]]:
    """(track_ID, baseMediaDecodeTime) for every traf of a moof."""
    result = []
    for kind, start, end in _children(moof, 8, len(moof)):
        if kind != b"traf":
            continue
        track_id = decode_time = None
        for sub, s_start, _s_end in _children(moof, start, end):
            if sub == b"tfhd":
                track_id = struct.unpack_from(">I", moof, s_start + 4)[0]
            elif sub == b"tfdt":
                version = moof[s_start]
                fmt = ">Q" if version else ">I"
                decode_time = struct.unpack_from(fmt, moof, s_start + 4)[0]
                if version and decode_time >= 1 << 63:  # signed in practice: before zero
                    decode_time -= 1 << 64
        if track_id is not None and decode_time is not None:
            result.append((track_id, decode_time))
    return result


def open_fmp4(sink: FragmentSink) -> av.container.OutputContainer:
    """An fMP4 muxer writing into `sink`."""
    return av.open(
        sink, "w", format="mp4", container_options=dict(MUXER_OPTIONS), buffer_size=WRITE_BUFFER
    )


class SegmentAssembler:
    """Fragments in, whole segments out: a segment is complete when a fragment of a later one
    arrives, or at the end."""

    def __init__(self, timeline: Timeline, hooks: LiveHooks, start: int) -> None:
        self.timeline = timeline
        self.shift = 0.0  # reorder delay: a keyframe's decode time is this much before its pts
        self.tolerance = 0.01
        self.hooks = hooks
        self.current = start
        self.parts: list[bytes] = []
        self.keyframes: list[float] = []  # presentation times of the keyframes muxed so far
        self.fragments = 0  # fragments with video handed on so far
        self.init_sent = False
        self.sink = FragmentSink(self._fragment)

    def send_init(self) -> None:
        """Hand on ftyp+moov once the muxer has written them (after its header)."""
        if not self.init_sent and self.sink.init_done and self.sink.init:
            self.hooks.on_init(self.sink.init)
            self.init_sent = True

    def note_keyframe(self, seconds: float) -> None:
        """A video keyframe went into the muxer: the fragment before it ends here."""
        self.keyframes.append(seconds)

    def _fragment(self, fragment: Fragment) -> None:
        self.send_init()
        index = self.current
        if fragment.video_time is not None:
            index = max(
                self.current,
                self.timeline.segment_of(fragment.video_time + self.shift, self.tolerance),
            )
        if index != self.current:
            self._emit()
            self.current = index
        self.parts.append(fragment.data)
        if fragment.video_time is None:
            return
        # The muxer flushed this fragment because the next keyframe arrived; when that keyframe
        # opens the next segment, this segment is whole now (no need to wait for more).
        self.fragments += 1
        if len(self.keyframes) > self.fragments and self.current + 1 < len(self.timeline.starts):
            end = self.keyframes[self.fragments]
            if end + self.tolerance >= self.timeline.starts[self.current + 1]:
                self._emit()
                self.current += 1

    def _emit(self) -> None:
        if self.parts:
            self.hooks.on_segment(self.current, b"".join(self.parts))
            self.parts = []

    def finish(self) -> None:
        self._emit()
