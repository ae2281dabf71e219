"""On-the-fly HLS: one session's PyAV work, from a start segment to the end or until told to stop.

`run_live(spec, start, hooks)` is synchronous (the session manager runs it in a thread). It opens
the source safely (sniff.open_media), seeks to the keyframe before the start segment, and writes
CMAF fMP4 segments through `hooks`:

- transcode: decode, deinterlace frames flagged interlaced (deinterlace.py), tone map HDR to
  SDR (tonemap.py), drop the frames before the start, turn upright, burn in a bitmap subtitle
  when asked (burnin.py), scale to the rung (square pixels, even sizes, from ladder.plan_rungs),
  encode libx264 with a keyframe forced at every segment start and no other (scenecut off), and
  AAC-LC stereo on a fixed sample grid (audio.py). The first segment of every run comes
  from a faster preset whose SPS/PPS are identical (time to first frame; encoder.py);
- remux: copy the video packets from the segment's own keyframe (the timeline is cut at source
  keyframes, keyframes.py), audio copied when it is AAC, else encoded as above.

Timestamps are the source's, from the programme start, so segment n holds the same times whether
the session started at 0 or at n. Throttling and stopping are the hooks' business: `wait_turn(n)`
is called before any frame of segment n is produced and may block; `should_stop()` is polled.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import av
from av.video.reformatter import VideoReformatter

from mediaserver.media.filters.burnin import BurnIn
from mediaserver.media.filters.deinterlace import Deinterlacer
from mediaserver.media.filters.tonemap import TRANSFERS, ToneMapper
from mediaserver.media.filters.upright import Upright, rotation_of
from mediaserver.media.live.audio import AudioGrid, add_aac_stream, output_rate
from mediaserver.media.live.copy import CopyTimes, decode_delay
from mediaserver.media.live.encoder import (
    VIDEO_TIME_BASE,
    EncoderSettings,
    add_video_encoder,
    fast_encoder,
)
from mediaserver.media.live.keyframes import first_video, readable_packets, start_offset
from mediaserver.media.live.mux import SegmentAssembler, open_fmp4
from mediaserver.media.live.seek import seek_before
from mediaserver.media.live.types import LiveError, LiveHooks, LiveSpec
from mediaserver.media.sniff import MediaRejected, error_words, open_media

# Audio packets in a row giving no sound (errors or nothing) after which the track counts as
# broken and silence follows the picture. Real audio arriving later still takes over.
SILENT_AFTER_PACKETS = 4
MAX_EARLY_AUDIO = 500  # copied audio packets kept while waiting for the first keyframe
MAX_DECODE_ERRORS = 8
SEEK_MARGIN = Fraction(1, 2)  # seek this far before the start: the audio preroll is there too
COPY_CODECS = ("h264", "hevc")  # what browsers play from fMP4
PictureType = av.video.frame.PictureType
# What a session holds that owns FFmpeg state (codec contexts, filter graphs, swscale contexts,
# the muxer, decoded frames): dropped by _Session.release.
_RELEASED = (
    "container",
    "video",
    "audio",
    "out",
    "v_out",
    "a_out",
    "fast",
    "grid",
    "burn",
    "upright",
    "deinterlace",
    "tonemap",
    "hdr_scaler",
    "scaler",
    "held",
    "assembler",
)
# Downscaling (the usual case) with a bilinear filter scaled to the ratio: half the CPU of bicubic
# and no visible difference at these sizes.
SCALER = "BILINEAR"


def run_live(spec: LiveSpec, start: int, hooks: LiveHooks) -> None:
    """Make segments from `start` on (see the module doc). Raises LiveError."""
    if not 0 <= start < spec.timeline.count:
        raise LiveError(f"segment {start} does not exist")
    try:
        with open_media(spec.source, cut_short_ok=True) as (container, _sniffed):
            session = _Session(container, spec, start, hooks)
            try:
                session.run()
            finally:
                session.release()
    except MediaRejected as exc:
        raise LiveError(f"the source cannot be played: {exc.reason}") from None
    except av.FFmpegError as exc:
        raise LiveError(f"the source cannot be read: {error_words(exc)}") from None
    except OSError as exc:  # the fragment splitter refused what the muxer wrote
        raise LiveError(f"the segment could not be written: {error_words(exc)}") from None


class _Session:
    def __init__(
        self, container: av.container.InputContainer, spec: LiveSpec, start: int, hooks: LiveHooks
    ) -> None:
        self.container = container
        self.spec = spec
        self.hooks = hooks
        self.start = start
        self.t0 = start_offset(container)
        self.video = first_video(container)
        if self.video is None:
            raise LiveError("the source has no video stream")
        self.audio = None
        if spec.audio_index is not None:
            self.audio = next(
                (s for s in container.streams.audio if s.index == spec.audio_index), None
            )
            if self.audio is None:
                raise LiveError("the chosen audio track is not in the source")
        # AAC is copied only with its AudioSpecificConfig; ADTS AAC (MPEG-TS, raw .aac) has none
        # and MP4 cannot carry it as it is, so it is encoded like any other codec.
        self.copy_audio = (
            spec.mode == "remux"
            and self.audio is not None
            and self.audio.codec_context.name == "aac"
            and bool(self.audio.codec_context.extradata)
        )
        if spec.mode == "remux" and self.video.codec_context.name not in COPY_CODECS:
            raise LiveError("the video is not H.264 or HEVC, so it cannot be remuxed")
        self.timeline = spec.timeline
        self.begin = Fraction(self.timeline.starts[start]).limit_denominator(1_000_000)
        self.assembler = SegmentAssembler(self.timeline, hooks, start)
        self.out = open_fmp4(self.assembler.sink)
        self.errors = 0
        self.next_segment = start  # the next segment whose first frame is still to come
        self.anchor: Fraction | None = None
        self.last_pts = -1
        # The last decoded frame before the start, and its time (see _flush).
        self.held: tuple[av.VideoFrame, Fraction] | None = None
        self.grid: AudioGrid | None = None
        self.burn: BurnIn | None = None
        self.upright: Upright | None = None
        self.deinterlace = Deinterlacer(self.video.time_base)
        trc = self.video.codec_context.color_trc
        self.tonemap = ToneMapper(trc) if spec.mode == "transcode" and trc in TRANSFERS else None
        self.hdr_scaler = VideoReformatter()
        self.scaler = VideoReformatter()
        self.v_out: av.video.stream.VideoStream | None = None
        rate = self.video.average_rate or self.video.guessed_rate or Fraction(30)
        self.frame = 1 / Fraction(rate if 1 <= rate <= 240 else 30).limit_denominator(1001)
        self.delay = decode_delay(bool(self.video.codec_context.has_b_frames))  # copy.py
        self.assembler.tolerance = float(self.frame) / 3
        if spec.mode == "remux":
            self.assembler.shift = float(self.delay * self.frame)
        self.copy_times = CopyTimes(self.frame, self.delay, self.video.time_base)
        # Copied audio demuxed before the first keyframe (stored before it in the file) that
        # may still follow the video's first decode time: kept until that time is known.
        self.early_audio: list[av.Packet] = []
        self.audio_failures = 0  # audio packets in a row that gave no sound
        self.a_out: av.stream.Stream | None = None
        self.fast: av.VideoCodecContext | None = None  # the first segment's faster encoder
        self.encoding: EncoderSettings | None = None  # transcode only

    # -- outputs ---------------------------------------------------------------------------------

    def _open_outputs(self) -> None:
        if self.spec.mode == "transcode":
            assert self.spec.rung is not None
            self.encoding = EncoderSettings(self.spec.rung, self.spec.preset, self.spec.threads)
            self.v_out = add_video_encoder(
                self.out,
                self.video.average_rate or self.video.guessed_rate,
                self.encoding,
                level=self.spec.level,
                segment_seconds=self.timeline.extinf(0),
            )
        else:
            self.v_out = self.out.add_stream_from_template(self.video)
            if self.video.codec_context.name == "hevc":
                self.v_out.codec_tag = "hvc1"  # what Apple players need in MP4
        if self.audio is not None:
            if self.copy_audio:
                self.a_out = self.out.add_stream_from_template(self.audio)
            else:
                rate = output_rate(self.audio.codec_context.sample_rate)
                self.a_out = add_aac_stream(self.out, rate)
                self.grid = AudioGrid(self.a_out, rate, self._mux)
        self.out.start_encoding()
        if self.spec.mode == "transcode":
            self.fast = fast_encoder(self.v_out.codec_context, self.encoding)
        self.assembler.send_init()

    def _mux(self, packet: av.Packet) -> None:
        self.out.mux_one(packet)

    def release(self) -> None:
        """Let go of every decoder, encoder, filter graph and muxer, now. PyAV frees a codec
        context (and the threads FFmpeg and x264 started for it) only when its last reference
        goes; a session object kept alive by a reference cycle until the garbage collector ran
        held its decoder and encoder threads long after it stopped, and a burst of sessions
        piled them up."""
        with contextlib.suppress(av.FFmpegError, OSError, ValueError):
            self.out.close()  # already closed when the run ended normally
        for name in _RELEASED:
            setattr(self, name, None)
        self.early_audio = []

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> None:
        self._open_outputs()
        streams = [self.video] + ([self.audio] if self.audio is not None else [])
        if self.spec.burn_index is not None and self.spec.mode == "transcode":
            self.burn = BurnIn(self.container, self.spec.burn_index, self.t0)
            streams.append(self.burn.stream)
        self._seek()
        if self.spec.mode == "transcode":
            self.video.thread_type = "AUTO"
            self.video.codec_context.thread_count = self.spec.decode_threads
        finished = False
        try:
            # A file cut short (or unreadable further on) ends where it can no longer be read:
            # what was read is finished as usual, and the segments after it do not exist.
            for packet in readable_packets(self.container.demux(*streams)):
                if self.hooks.should_stop():
                    return
                if packet.stream is self.video:
                    if not self._video_packet(packet):
                        break
                elif self.burn is not None and packet.stream is self.burn.stream:
                    self.burn.add(packet)
                else:
                    self._audio_packet(packet)
            else:
                self._flush()
            finished = True
        finally:
            if finished and not self.hooks.should_stop():
                try:
                    self.out.close()
                    self.assembler.finish()
                except av.FFmpegError as exc:
                    why = error_words(exc)
                    raise LiveError(f"writing the last segment failed: {why}") from None
            else:
                self._abandon()

    def _abandon(self) -> None:
        # Stopping: nothing more will be served from this muxer, so its errors do not matter.
        with contextlib.suppress(av.FFmpegError, OSError, ValueError):
            self.out.close()

    def _seek(self) -> None:
        if self.start == 0:
            return
        if self.burn is not None:
            # A cue shown at the start may have begun long before it: read the subtitle
            # packets of the seconds before (demux only) so it is on screen from the first frame.
            self.burn.prime(self.container, self.video, self.begin)
        seek_before(self.container, self.video, self.begin + self.t0, SEEK_MARGIN)

    def _seconds(self, pts: int | None, stream: av.stream.Stream) -> Fraction | None:
        return None if pts is None else pts * stream.time_base - self.t0

    def _turn(self, at: Fraction) -> bool:
        """Wait for leave to make the segment `at` opens, if it opens one."""
        if self.next_segment < self.timeline.count and at + Fraction(1, 10_000) >= Fraction(
            self.timeline.starts[self.next_segment]
        ).limit_denominator(1_000_000):
            segment = self.next_segment
            self.next_segment += 1
            return self.hooks.wait_turn(segment)
        return True

    def _video_packet(self, packet: av.Packet) -> bool:
        if self.spec.mode == "remux":
            return self._copy_video(packet)
        ctx = self.video.codec_context
        at = self._seconds(packet.pts, self.video)
        # Frames before the start are decoded only as references; ones nothing refers to can be
        # skipped outright (a seek lands up to a GOP early). Half a frame of margin: packet
        # times may be rounded (Matroska's milliseconds).
        early = at is not None and at < self.begin - self.frame / 2
        ctx.skip_frame = "NONREF" if early else "DEFAULT"
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            self._damaged(exc)
            return True
        return all(self._video_frame(p) for frame in frames for p in self.deinterlace(frame))

    def _video_frame(self, frame: av.VideoFrame) -> bool:
        at = self._seconds(frame.pts, self.video)
        if at is None or at < self.begin - Fraction(1, 10_000):
            if at is not None:
                self.held = (frame, at)  # shown at the start if the picture ends before it
            return True
        if at >= Fraction(self.timeline.duration).limit_denominator(1_000_000):
            return True  # past the declared end: the playlist does not have it
        key = self.next_segment < self.timeline.count and at + Fraction(1, 10_000) >= Fraction(
            self.timeline.starts[self.next_segment]
        ).limit_denominator(1_000_000)
        if not self._turn(at):
            return False
        pts = max(self.last_pts + 1, math.floor(at / VIDEO_TIME_BASE))
        self.last_pts = pts
        if self.anchor is None:
            self.anchor = pts * VIDEO_TIME_BASE
            if self.grid is not None:
                self.grid.set_anchor(self.anchor)
        if self.upright is None:
            self.upright = Upright(rotation_of(self.video, frame))
        picture = self.upright(frame)
        if self.burn is not None:
            picture = self.burn.apply(picture, at)
        plan = self.spec.rung
        if self.tonemap is not None:  # HDR: scaled first (still 10-bit), then mapped: less work
            picture = self.tonemap(
                self.hdr_scaler.reformat(picture, plan.width, plan.height, interpolation=SCALER)
            )
        scaled = self.scaler.reformat(
            picture, plan.width, plan.height, "yuv420p", interpolation=SCALER
        )
        scaled.pts = pts
        scaled.time_base = VIDEO_TIME_BASE
        scaled.pict_type = PictureType.I if key else PictureType.NONE
        if self.fast is not None and key and self.next_segment - 1 > self.start:
            self._mux_video(self._end_fast())  # the main encoder takes over at this segment
        encoder = self.fast if self.fast is not None else self.v_out
        self._mux_video(encoder.encode(scaled))
        self._cover_broken_audio(at)
        return True

    def _end_fast(self) -> list[av.Packet]:
        fast, self.fast = self.fast, None
        if fast is None:
            return []
        return fast.encode(None)

    def _mux_video(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            if packet.stream is not self.v_out:
                packet.stream = self.v_out  # from the first segment's encoder
            if packet.is_keyframe and packet.pts is not None:
                self.assembler.note_keyframe(float(packet.pts * packet.time_base))
            self.out.mux_one(packet)

    def _copy_video(self, packet: av.Packet) -> bool:
        at = self._seconds(packet.pts, self.video)
        if at is None:
            return True  # no time to place it by (never seen from H.264/HEVC demuxers we allow)
        # Start at the start segment's own keyframe; anything before it is dropped.
        if self.anchor is None and (
            not packet.is_keyframe or at < self.begin - Fraction(1, 10_000)
        ):
            return True
        if packet.is_keyframe and not self._turn(at):
            return False
        self.copy_times.place(packet, at)
        packet.stream = self.v_out
        first = self.anchor is None
        if first:
            self.anchor = packet.dts * self.video.time_base
            if self.grid is not None:
                self.grid.set_anchor(self.anchor)
        self._mux_video([packet])
        if first:  # the copied audio that waited for the video's start
            early, self.early_audio = self.early_audio, []
            for sound in early:
                self._copy_audio(sound)
        self._cover_broken_audio(at)
        return True

    def _cover_broken_audio(self, at: Fraction) -> None:
        if self.grid is not None and self.audio_failures >= SILENT_AFTER_PACKETS:
            self.grid.cover(at + self.frame)

    def _audio_packet(self, packet: av.Packet) -> None:
        if self.copy_audio:
            if self.anchor is None and packet.dts is not None:
                self.early_audio.append(packet)
                del self.early_audio[:-MAX_EARLY_AUDIO]
            else:
                self._copy_audio(packet)
            return
        if self.grid is None:
            return
        try:
            frames = packet.decode()
        except av.FFmpegError:
            # Damaged audio never stops the picture: short gaps are filled by the grid, and a
            # track that keeps failing is replaced by silence as the video goes (_video_frame).
            self.audio_failures += 1
            return
        self.audio_failures = 0 if frames else self.audio_failures + 1
        for frame in frames:
            self.grid.add(frame, self._seconds(frame.pts, self.audio), self.audio.time_base)

    def _copy_audio(self, packet: av.Packet) -> None:
        if self.anchor is None or packet.dts is None:
            return  # audio before the video start belongs to an earlier segment
        offset = round(self.t0 / self.audio.time_base)
        packet.pts = (packet.pts if packet.pts is not None else packet.dts) - offset
        packet.dts -= offset
        if packet.dts * self.audio.time_base < self.anchor:
            return
        packet.stream = self.a_out
        self.out.mux_one(packet)

    def _damaged(self, exc: av.FFmpegError) -> None:
        self.errors += 1
        if self.errors > MAX_DECODE_ERRORS:
            raise LiveError(f"the source is damaged ({self.errors} undecodable packets)")

    def _flush(self) -> None:
        if self.spec.mode == "transcode":
            try:
                for frame in self.video.codec_context.decode(None):
                    if not all(self._video_frame(p) for p in self.deinterlace(frame)):
                        return
            except av.FFmpegError as exc:
                self._damaged(exc)
            if not all(self._video_frame(p) for p in self.deinterlace.flush()):
                return
            if self.anchor is None and self.held is not None:
                # The audio runs on past the last picture (the container's duration is the
                # audio's): the segment right after it holds the last frame instead of having
                # no video. Only right after: a picture that stopped long before is damage.
                (held, held_at), self.held = self.held, None
                length = Fraction(str(self.timeline.extinf(self.start)))
                if self.begin - held_at <= length:
                    held.pts = math.ceil((self.begin + self.t0) / self.video.time_base)
                    self._video_frame(held)
            self._mux_video(self._end_fast())
            self._mux_video(self.v_out.encode(None))
        if self.grid is not None:
            self.grid.finish()
        if self.anchor is None:
            raise LiveError("no video could be decoded from the source at this point")
