"""What one on-the-fly session holds, and how it is set up and let go: the source's streams and
where the run starts, the output muxer and encoders, the audio grid and the picture filters.

`session._Session` adds the run itself (the packet loop) on top.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

import av
from av.video.reformatter import VideoReformatter

from mediaserver.media.filters.burnin import BurnIn
from mediaserver.media.filters.deinterlace import Deinterlacer
from mediaserver.media.filters.tonemap import TRANSFERS, ToneMapper
from mediaserver.media.filters.upright import Upright
from mediaserver.media.live.audio import AudioGrid, add_aac_stream, output_rate
from mediaserver.media.live.copy import COPY_CODECS, CopyTimes, decode_delay
from mediaserver.media.live.encoder import EncoderSettings, add_video_encoder, fast_encoder
from mediaserver.media.live.keyframes import first_video, start_offset
from mediaserver.media.live.mux import SegmentAssembler, open_fmp4
from mediaserver.media.live.types import LiveError, LiveHooks, LiveSpec

# What a session holds that owns FFmpeg state (codec contexts, filter graphs, swscale contexts,
# the muxer, decoded frames): dropped by SessionState.release.
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


class SessionState:
    """The streams, outputs and filters of one session (see the module doc)."""

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
