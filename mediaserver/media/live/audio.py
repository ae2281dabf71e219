"""AAC-LC stereo for on-the-fly HLS, on a fixed grid of 1024-sample frames counted from zero.

Encoded frame k always holds samples [k*1024, (k+1)*1024) of the programme, whichever segment a
session started at, so a restarted session cuts audio at the very same sample positions as one
that ran from the start. A restart starts the encoder `PREROLL_FRAMES` frames early and drops the
packets before the first one it needs (the encoder's priming and MDCT warm-up), and packets before
the session's first video decode time are dropped as well: in a session running from the start
those would sit in the previous segment (the muxer interleaves by decode time, video first on a
tie), so leaving them out keeps segment contents identical across restarts.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
from av.audio.resampler import AudioResampler

FRAME = 1024  # AAC-LC frame size
PREROLL_FRAMES = 2
OUTPUT_RATES = (44100, 48000)
BITRATE = 128_000
SILENCE_GAP_SECONDS = 0.1  # source gaps longer than this are filled, keeping audio in sync


def output_rate(source_rate: int | None) -> int:
    return source_rate if source_rate in OUTPUT_RATES else 48000


def add_aac_stream(container: av.container.OutputContainer, rate: int) -> av.audio.AudioStream:
    stream = container.add_stream("aac", rate=rate)
    stream.layout = "stereo"
    stream.time_base = Fraction(1, rate)
    stream.codec_context.time_base = Fraction(1, rate)
    stream.codec_context.bit_rate = BITRATE
    return stream


class AudioGrid:
    """Decoded source audio in, AAC packets on the grid out (via `mux`)."""

    def __init__(self, stream: av.audio.AudioStream, rate: int, mux) -> None:
        self.stream = stream
        self.rate = rate
        self.mux = mux
        self.resampler = AudioResampler(format="fltp", layout="stereo", rate=rate)
        self.fifo = av.AudioFifo()
        self.position: int | None = None  # programme sample of the next sample into the fifo
        self.next_frame = 0  # grid frame the fifo head starts
        self.first_frame = 0  # packets before this grid frame are dropped
        self.anchor: Fraction | None = None  # the session's first video decode time
        self.pending: list[av.AudioFrame] = []  # held until the anchor is known

    def set_anchor(self, seconds: Fraction) -> None:
        """The session's first video packet's decode time: no audio before it is muxed."""
        self.anchor = seconds
        self.first_frame = max(0, math.ceil(seconds * self.rate / FRAME))
        self.next_frame = max(0, self.first_frame - PREROLL_FRAMES)
        pending, self.pending = self.pending, []
        for frame, seconds_at in pending:
            self._push(frame, seconds_at)

    def add(
        self, frame: av.AudioFrame, seconds: Fraction | None, time_base: Fraction | None = None
    ) -> None:
        """A decoded source frame starting `seconds` after the programme start (None: right
        after the previous one); `time_base` is the source stream's."""
        if seconds is not None and time_base and time_base > Fraction(1, frame.sample_rate):
            seconds = _snap(seconds, frame)
        for out in self.resampler.resample(frame):
            if self.anchor is None:
                self.pending.append((out, seconds))
            else:
                self._push(out, seconds)
            seconds = None  # the resampler's later frames follow on

    def _push(self, frame: av.AudioFrame, seconds: Fraction | None) -> None:
        # Timestamps place the first frame and real gaps only: between them audio is taken as
        # gapless (resampled frames do not line up with the source's, and AAC wants no jitter).
        start = round(seconds * self.rate) if seconds is not None else self.position
        if self.position is None:
            self.position = start if start is not None else self.next_frame * FRAME
            start = self.position
        elif start is None or abs(start - self.position) <= SILENCE_GAP_SECONDS * self.rate:
            start = self.position
        elif start < self.position:
            return  # overlaps what was already taken (a source glitch): drop it
        origin = self.next_frame * FRAME + self.fifo.samples  # where the fifo ends
        if start > origin:
            self._silence(start - origin)
        skip = max(0, origin - start) if start < origin else 0
        self.position = start + frame.samples
        if skip >= frame.samples:
            return
        if skip:
            frame = _tail(frame, skip)
        frame.pts = None
        self.fifo.write(frame)
        self._drain(final=False)

    def cover(self, seconds: Fraction) -> None:
        """Silence up to `seconds` (programme time), for a track whose packets do not decode:
        the segments still carry audio, so players do not wait for it."""
        if self.anchor is None:
            return
        end = round(seconds * self.rate)
        origin = self.next_frame * FRAME + self.fifo.samples
        if end > origin:
            self._silence(end - origin)
            self.position = end
            self._drain(final=False)

    def _silence(self, samples: int) -> None:
        while samples > 0:
            count = min(samples, self.rate)
            silent = av.AudioFrame(format="fltp", layout="stereo", samples=count)
            for plane in silent.planes:
                plane.update(b"\x00" * plane.buffer_size)
            silent.sample_rate = self.rate
            self.fifo.write(silent)
            samples -= count

    def _drain(self, final: bool) -> None:
        while self.fifo.samples >= FRAME or (final and self.fifo.samples):
            frame = self.fifo.read(FRAME) if self.fifo.samples >= FRAME else self.fifo.read()
            frame.pts = self.next_frame * FRAME
            frame.time_base = Fraction(1, self.rate)
            self.next_frame += 1
            self._encode(frame)

    def _encode(self, frame: av.AudioFrame | None) -> None:
        for packet in self.stream.encode(frame):
            if packet.pts is not None and packet.pts < self.first_frame * FRAME:
                continue
            self.mux(packet)

    def finish(self) -> None:
        if self.anchor is None:
            self.set_anchor(Fraction(0))
        for out in self.resampler.resample(None):
            self._push(out, None)
        self._drain(final=True)
        self._encode(None)


def _snap(seconds: Fraction, frame: av.AudioFrame) -> Fraction:
    """A coarse timestamp (Matroska's milliseconds) put back on the source's own frame grid:
    audio codecs cut fixed-size frames from the stream start, so after a seek the first frame
    lands on exactly the sample it would have had in a decode from the start."""
    rate, unit = frame.sample_rate, frame.samples
    at = seconds * rate
    snapped = round(at / unit) * unit
    if abs(snapped - at) <= Fraction(rate, 1000):
        return Fraction(snapped, rate)
    return seconds


def _tail(frame: av.AudioFrame, skip: int) -> av.AudioFrame:
    """The frame without its first `skip` samples (planar float: bytes per sample are 4)."""
    count = frame.samples - skip
    out = av.AudioFrame(format=frame.format.name, layout=frame.layout, samples=count)
    size = frame.format.bytes
    for src, dst in zip(frame.planes, out.planes, strict=True):
        dst.update(bytes(src)[skip * size : (skip + count) * size].ljust(dst.buffer_size, b"\x00"))
    out.sample_rate = frame.sample_rate
    return out
