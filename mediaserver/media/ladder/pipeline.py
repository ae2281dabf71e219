"""One decode of the source feeding every rendition: the loop behind `build_ladder`.

The source's video is decoded once; each frame is deinterlaced when flagged interlaced
(deinterlace.py), tone mapped to BT.709 SDR when HDR (tonemap.py), turned upright (a transpose
filter, for rotated sources), scaled per rung with swscale (sample aspect applied, 10-bit and 4:2:2
converted to 8-bit 4:2:0; smaller rungs from larger ones, see CASCADE_RATIO) and handed to every
rung's encoder with the same timestamp. Keyframes and segment boundaries are decided here, once,
from the source's timestamps: the first frame at or after every multiple of the GOP duration is an
I frame (an IDR) in every rung, and the first frame at or after every multiple of the segment
duration starts a segment in every rung (segmenter.SegmentStarts; no muxer measures time on its
own), so a player switching rungs finds every segment, the last one included, at the same instant.
Timestamps pass through (variable frame rate stays variable); all rungs get identical ones.

The main thread demuxes, decodes (FFmpeg's frame threads) and scales (one reusable swscale
context per rung; PyAV releases the GIL while it scales); every rung's encoder and segmenter runs
in its own thread behind a small bounded queue (encoder_thread.EncoderThread), with x264/x265 frame
threads inside. Audio is cheap and stays on the main thread (audio.py).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
from av.video.reformatter import VideoReformatter

from mediaserver.media.filters.deinterlace import Deinterlacer
from mediaserver.media.filters.tonemap import BT709, TRANSFERS, ToneMapper
from mediaserver.media.filters.upright import Upright, rotation_of
from mediaserver.media.ladder import rungs as ladder
from mediaserver.media.ladder.audio import AudioTracks
from mediaserver.media.ladder.completeness import declared_duration, truncation
from mediaserver.media.ladder.continuity import Continuity
from mediaserver.media.ladder.encoder_thread import EncoderThread
from mediaserver.media.ladder.errors import LadderCancelled, LadderError
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.ladder.segmenter import SegmentStarts, VideoRung
from mediaserver.media.sniff import error_words

MAX_DECODE_ERRORS = 8  # corrupt packets tolerated per stream (players skip them too)
PROGRESS_EVERY_SECONDS = 0.5
INTERPOLATION = "BICUBIC"  # FFmpeg's scale filter default, so the bench compares like with like
# A rung is scaled from the smallest rung already made that is at least this much larger (else
# from the source): 1080p -> 720p -> 480p, 720p -> 360p. Half the scaling time of scaling every
# rung from the source (swscale's bicubic widens its kernel with the ratio), and each step is a
# proper >= 1.5x downscale, so no visible softening.
CASCADE_RATIO = 1.5
PictureType = av.video.frame.PictureType


Progress = Callable[[float, float | None, float | None], None]


class Pipeline:
    """Demux + decode once, feed every output. Outputs are opened at each stream's first decoded
    frame (so a stream with no frames simply has no rendition)."""

    def __init__(
        self,
        container: av.container.InputContainer,
        out_dir: Path,
        profile: LadderProfile,
        progress: Progress | None,
        should_stop: Callable[[], bool],
    ) -> None:
        self.container = container
        self.out_dir = out_dir
        self.profile = profile
        self.progress = progress
        self.should_stop = should_stop
        self.video = next(
            (
                s
                for s in container.streams.video
                if not s.disposition & av.stream.Disposition.attached_pic
            ),
            None,
        )
        self.audio = list(container.streams.audio)
        start = container.start_time
        self.t0 = Fraction(start or 0, 1_000_000) if start and start > 0 else Fraction(0)
        self.declared = declared_duration(
            container, ([self.video] if self.video else []) + self.audio
        )
        self.rungs: list[VideoRung] = []
        self.workers: list[EncoderThread] = []  # one per rung, in the same order
        self.scalers: list[VideoReformatter] = []  # one per rung: swscale contexts are reused
        self.plans: list[ladder.RungPlan] = []
        self.tracks = AudioTracks(self.audio, out_dir, profile)
        self.upright: Upright | None = None
        self.deinterlace = Deinterlacer(self.video.time_base if self.video else None)
        self.tonemap: ToneMapper | None = None
        self.frames = 0
        self.position = 0.0
        self.ended = 0.0
        self.errors: dict[int, int] = {}
        self.continuity = Continuity(container.format.name)
        self.frame_rate = Fraction(30)
        self.started = time.monotonic()
        self._last_progress = 0.0
        self._next_key = Fraction(0)
        self._next_segment = Fraction(0)
        self.segment_starts = SegmentStarts()  # shared by every rung: one decision for all
        self._last_pts: int | None = None

    # -- setup ---------------------------------------------------------------------------------

    def _open_video(self, frame: av.VideoFrame) -> None:
        stream = self.video
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        if not 1 <= rate <= 240:
            rate = Fraction(30)
        self.frame_rate = Fraction(rate).limit_denominator(1001)
        rotation = rotation_of(stream, frame)
        self.upright = Upright(rotation)
        sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        self.plans = ladder.plan_rungs(
            self.profile,
            frame.width,
            frame.height,
            sample_aspect=Fraction(sar) if sar and sar > 0 else Fraction(1),
            rotation=rotation,
            frame_rate=float(self.frame_rate),
        )
        gop = ladder.gop_frames(self.profile, float(self.frame_rate))
        colour = {}
        ctx = stream.codec_context
        if ctx.color_trc in TRANSFERS:  # HDR: tone mapped to BT.709 SDR, tagged as such
            self.tonemap = ToneMapper(ctx.color_trc)
            colour = {name: BT709 for name in ("color_primaries", "color_trc", "colorspace")}
        elif ctx.color_primaries != 9:  # BT.2020 SDR is left untagged (8-bit 4:2:0 out)
            for name in ("color_primaries", "color_trc", "colorspace"):
                value = getattr(ctx, name, None)
                if value and value != 2:  # 2 = unspecified
                    colour[name] = value
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        threads = ladder.encoder_threads(self.profile, self.plans, cpus or 1)
        for plan, count in zip(self.plans, threads, strict=True):
            try:
                rung = VideoRung(
                    plan,
                    self.profile,
                    self.out_dir / "video" / plan.name,
                    time_base=stream.time_base,
                    frame_rate=self.frame_rate,
                    gop=gop,
                    colour=colour,
                    threads=count,
                    starts=self.segment_starts,
                )
            except (av.FFmpegError, OSError) as exc:
                raise LadderError(
                    f"the {self.profile.encoder} encoder for {plan.name} could not be started: "
                    f"{error_words(exc)}"
                ) from None
            self.rungs.append(rung)
            self.workers.append(EncoderThread(rung))
            self.scalers.append(VideoReformatter())

    # -- per frame -----------------------------------------------------------------------------

    def _seconds(self, frame: av.Frame, stream: av.stream.Stream) -> Fraction | None:
        pts = frame.pts
        if pts is None:
            return None
        if isinstance(frame, av.AudioFrame):
            length = Fraction(frame.samples, frame.sample_rate or 48000)
        else:
            length = (frame.duration or 0) * stream.time_base or 1 / self.frame_rate
        return self.continuity.place(stream.index, pts * stream.time_base - self.t0, length)

    def _video_frame(self, frame: av.VideoFrame) -> None:
        stream = self.video
        if not self.rungs:
            self._open_video(frame)
        tb = stream.time_base
        seconds = self._seconds(frame, stream)
        if seconds is None:  # no timestamp: one average frame after the last
            pts = (self._last_pts or 0) + max(1, round(1 / (self.frame_rate * tb)))
        else:
            if seconds < 0:
                return  # before the programme start (edit-list pre-roll)
            pts = math.floor(seconds / tb)
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1  # strictly increasing, as encoders require
        self._last_pts = pts
        at = pts * tb
        if at >= self._next_segment:
            segment = Fraction(str(self.profile.segment_seconds))
            self._next_segment = (math.floor(at / segment) + 1) * segment
            self.segment_starts.add(pts)
            self._next_key = Fraction(0)  # a segment starts with a keyframe
        key = at >= self._next_key
        if key:
            gop = Fraction(str(self.profile.gop_seconds))
            self._next_key = (math.floor(at / gop) + 1) * gop
        if self.tonemap is not None:
            frame = self.tonemap(frame)
        upright = self.upright(frame)
        made: list[av.VideoFrame] = []
        for worker, scaler in zip(self.workers, self.scalers, strict=True):
            plan = worker.rung.plan
            base = next(
                (
                    larger
                    for larger in reversed(made)  # the smallest that is large enough
                    if larger.width >= CASCADE_RATIO * plan.width
                    and larger.height >= CASCADE_RATIO * plan.height
                ),
                upright,
            )
            scaled = scaler.reformat(
                base,
                plan.width,
                plan.height,
                self.profile.pixel_format,
                interpolation=INTERPOLATION,
            )
            made.append(scaled)
            scaled.pts = pts
            scaled.time_base = tb
            scaled.pict_type = PictureType.I if key else PictureType.NONE
            try:
                worker.put(scaled)
            except (av.FFmpegError, OSError, RuntimeError) as exc:
                why = error_words(exc)
                raise LadderError(f"encoding the {plan.name} rung failed: {why}") from None
        self.frames += 1
        self.position = float(at)
        self.ended = max(self.ended, float(at + (frame.duration or 0) * tb))

    def _audio_frame(self, stream: av.audio.stream.AudioStream, frame: av.AudioFrame) -> None:
        seconds = self._seconds(frame, stream)
        at = float(seconds) if seconds is not None else None
        self.tracks.encode(stream, frame, at)
        if at is not None:
            end = at + frame.samples / frame.sample_rate
            self.ended = max(self.ended, end)
            if self.video is None:
                self.position = max(self.position, end)

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        streams = ([self.video] if self.video else []) + self.audio
        if not streams:
            raise LadderError("the source has no audio or video stream")
        for stream in streams:
            stream.thread_type = "AUTO"
        finished = False
        try:
            self._loop(streams)
            finished = True
        finally:
            self._close(flush=finished)
        self._check_complete()

    def _loop(self, streams: list) -> None:
        demuxed = self.container.demux(*streams)
        while True:
            if self.should_stop():
                raise LadderCancelled(f"stopped at {self.position:.1f} s")
            try:
                packet = next(demuxed)
            except StopIteration:
                for frame in self.deinterlace.flush():
                    self._video_frame(frame)
                return
            except av.FFmpegError as exc:
                raise LadderError(
                    f"the source cannot be read after {self.position:.1f} s: {error_words(exc)}"
                ) from None
            self._decode(packet)
            self._report()

    def _decode(self, packet: av.Packet) -> None:
        stream = packet.stream
        if stream.index in self.tracks.dropped:
            return
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            count = self.errors[stream.index] = self.errors.get(stream.index, 0) + 1
            if count > MAX_DECODE_ERRORS and self.tracks.can_drop(stream, self.video is not None):
                self.tracks.drop(stream, exc)
                return
            if count > MAX_DECODE_ERRORS:
                raise LadderError(
                    f"the {stream.type} stream is damaged around {self.position:.1f} s "
                    f"({count} undecodable packets): {error_words(exc)}"
                ) from None
            return
        for frame in frames:
            if stream.type == "video":
                for picture in self.deinterlace(frame):
                    self._video_frame(picture)
            else:
                self._audio_frame(stream, frame)

    def _close(self, flush: bool) -> None:
        problems = []
        if not flush:
            for worker in self.workers:
                worker.abort()  # drop the queued frames: stop promptly
        outputs: list = list(self.workers)
        outputs += self.tracks.renditions()
        for output in outputs:
            try:
                output.close(flush)
            except (av.FFmpegError, OSError, RuntimeError) as exc:
                problems.append(error_words(exc))
        if problems and flush:
            raise LadderError(f"writing the ladder failed: {problems[0]}")

    def _check_complete(self) -> None:
        if not self.frames and not self.tracks.outputs:
            raise LadderError("no audio or video could be decoded from the source")
        reason = truncation(
            frames=self.frames,
            expected_frames=self.video.frames if self.video is not None else 0,
            frame_rate=self.frame_rate,
            ended=self.ended,
            declared=self.declared,
            mended=self.continuity.mended,
        )
        if reason:
            raise LadderError(reason)

    def _report(self) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_EVERY_SECONDS:
            return
        self._last_progress = now
        elapsed = now - self.started
        fps = self.frames / elapsed if self.frames and elapsed > 0 else None
        percent, eta = 0.0, None
        if self.declared:
            percent = min(99.9, 100 * self.position / self.declared)
            if self.position > 0:
                eta = max(0.0, (self.declared - self.position) * elapsed / self.position)
        self.progress(percent, fps, eta)
