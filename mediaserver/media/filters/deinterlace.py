"""Deinterlacing decoded frames before they are scaled and encoded.

TV recordings, DVDs and camcorder files store interlaced pictures: two fields taken 1/50 s (or
1/60 s) apart, woven into one frame. Browsers show such frames as they are, so anything that moves
gets comb-like teeth; every output we encode is progressive, so the fields are blended here with
FFmpeg's bwdif filter (motion adaptive, the one Jellyfin and most players default to).

bwdif runs with `deint=interlaced`: it changes only frames the decoder flags as interlaced, so a
stream that mixes interlaced and progressive parts (broadcasts, soft telecine) keeps its
progressive frames as they are. `mode=send_frame` gives one frame per frame with the same
timestamps (25i becomes 25p), so timing, keyframe placement and segment boundaries are unchanged.

The filter sees one frame ahead (it needs the next field), so frames come out one call late and
`flush()` returns the last one. Until the first interlaced frame arrives nothing is filtered and
there is no delay: progressive sources cost nothing. Filter names and arguments are constants
(docs/security.md, encoder option injection).
"""

from __future__ import annotations

import logging
from fractions import Fraction

import av
import av.filter

from mediaserver.media.filters.chain import build_chain

log = logging.getLogger(__name__)

FILTER = "bwdif"
ARGUMENTS = "mode=send_frame:parity=auto:deint=interlaced"
MIN_SIZE = 4  # bwdif refuses pictures with fewer rows or columns than this


class Deinterlacer:
    """Call with each decoded frame in order; returns the frames to use (zero, one or two).
    `flush()` at the end of the stream returns what the filter still holds."""

    def __init__(self, time_base: Fraction | None) -> None:
        self.time_base = time_base or Fraction(1, 90_000)
        self.active = False  # an interlaced frame has been seen: frames go through the filter
        self.graph: av.filter.Graph | None = None
        self.source: av.filter.context.FilterContext | None = None
        self.key: tuple | None = None
        self.failed = False

    def __call__(self, frame: av.VideoFrame) -> list[av.VideoFrame]:
        if not self.active:
            if not frame.interlaced_frame or self.failed:
                return [frame]
            self.active = True
        key = (frame.width, frame.height, frame.format.name)
        out: list[av.VideoFrame] = []
        if key != self.key:
            out += self.flush()  # the picture changed size: finish the old graph first
            if not self._build(frame):
                return [*out, frame]
        self.source.push(frame)
        return out + self._pull()

    def flush(self) -> list[av.VideoFrame]:
        if self.graph is None:
            return []
        self.source.push(None)
        frames = self._pull()
        self.graph = self.source = self.key = None
        return frames

    def _build(self, frame: av.VideoFrame) -> bool:
        if min(frame.width, frame.height) < MIN_SIZE:
            return False
        try:
            graph, source = build_chain(
                frame.width, frame.height, frame.format.name, self.time_base, [(FILTER, ARGUMENTS)]
            )
        except (av.FFmpegError, ValueError) as exc:
            # Not worth failing a title over: it is encoded as it is, combing and all.
            log.warning("deinterlacing is not possible for %s frames: %s", frame.format.name, exc)
            self.failed, self.active = True, False
            return False
        self.graph, self.source = graph, source
        self.key = (frame.width, frame.height, frame.format.name)
        return True

    def _pull(self) -> list[av.VideoFrame]:
        frames = []
        while True:
            try:
                frame = self.graph.vpull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return frames
            # bwdif halves the time base (it could send one frame per field): back to ours.
            if frame.pts is not None and frame.time_base and frame.time_base != self.time_base:
                frame.pts = round(frame.pts * frame.time_base / self.time_base)
            frame.time_base = self.time_base
            frames.append(frame)


def deinterlace_still(frame: av.VideoFrame) -> av.VideoFrame:
    """One picture on its own (a poster, a scrub tile), without combing when it is interlaced:
    its top field alone (half the height; the caller scales it to the display size). bwdif needs
    the neighbouring frames to tell still parts from moving ones, and a still has none."""
    if not frame.interlaced_frame or min(frame.width, frame.height) < MIN_SIZE:
        return frame
    try:
        graph, source = build_chain(
            frame.width, frame.height, frame.format.name, frame.time_base, [("field", "type=top")]
        )
        source.push(frame)
        return graph.vpull()
    except (av.FFmpegError, ValueError) as exc:
        log.warning("a %s still could not be deinterlaced: %s", frame.format.name, exc)
        return frame
