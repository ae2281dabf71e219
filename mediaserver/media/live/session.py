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

from mediaserver.media.filters.burnin import BurnIn
from mediaserver.media.filters.upright import Upright, rotation_of
from mediaserver.media.live.encoder import VIDEO_TIME_BASE
from mediaserver.media.live.keyframes import readable_packets
from mediaserver.media.live.seek import seek_before
from mediaserver.media.live.state import SessionState
from mediaserver.media.live.types import LiveError, LiveHooks, LiveSpec
from mediaserver.media.sniff import MediaRejected, error_words, open_media

# Audio packets in a row giving no sound (errors or nothing) after which the track counts as
# broken and silence follows the picture. Real audio arriving later still takes over.
SILENT_AFTER_PACKETS = 4
MAX_EARLY_AUDIO = 500  # copied audio packets kept while waiting for the first keyframe
MAX_DECODE_ERRORS = 8
SEEK_MARGIN = Fraction(1, 2)  # seek this far before the start: the audio preroll is there too
PictureType = av.video.frame.PictureType
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


class _Session(SessionState):
    """The run itself: demux, decode or copy, and mux until the end or until told to stop."""

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
