"""A source encoded to H.264 + AAC at the plan's height, written as a fragmented MP4 while it
is encoded: the moov (track descriptions, no samples) goes out at once, then a fragment every
couple of seconds, so the download starts in well under a second and grows with the encode.
Players and browsers play a fragmented MP4 like any other; its size is known only at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import av

from mediaserver.media.ladder.rungs import even
from mediaserver.media.live.audio import add_aac_stream, output_rate
from mediaserver.offline.source_mp4 import SourcePlan, add_text_tracks, mux_text

PRESET = "veryfast"
KEYFRAME_SECONDS = 2  # a fragment starts at each keyframe: how often the file grows
FRAGMENTED = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    # A subtitle track gone quiet would otherwise hold the other tracks back for 10 s.
    "max_interleave_delta": "2000000",
}


class _Appender:
    """A file-like the muxer writes to in order (no seek, so it writes as for a pipe)."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write

    def write(self, data: bytes) -> int:
        self._write(bytes(data))
        return len(data)


def encode(plan: SourcePlan, write: Callable[[bytes], None]) -> None:
    """Encode the plan's source, handing each written piece of the MP4 to `write` in order."""
    with (
        av.open(plan.path) as source,
        av.open(_Appender(write), "w", format="mp4", options=FRAGMENTED) as out,
    ):
        vin = source.streams[plan.video_index]
        height = even(min(plan.height, vin.codec_context.height))
        width = even(vin.codec_context.width * height / vin.codec_context.height)
        rate = vin.average_rate or Fraction(30)
        limits = {"maxrate": str(plan.bitrate * 3 // 2), "bufsize": str(plan.bitrate * 2)}
        vout = out.add_stream("libx264", rate=rate, options={"preset": PRESET, **limits})
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.bit_rate = plan.bitrate
        vout.codec_context.gop_size = max(1, round(rate * KEYFRAME_SECONDS))
        chosen = [vin]
        aout = resampler = None
        if plan.audio_index is not None:
            ain = source.streams[plan.audio_index]
            chosen.append(ain)
            aout = add_aac_stream(out, output_rate(ain.codec_context.sample_rate))
            if plan.audio_language:
                aout.metadata["language"] = plan.audio_language
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=aout.rate)
        # The cues go in first: the muxer holds each until the video reaches its time.
        mux_text(out, add_text_tracks(out, plan))
        for packet in source.demux(chosen):
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    picture = frame.reformat(width=width, height=height, format="yuv420p")
                    picture.pts, picture.time_base = frame.pts, frame.time_base
                    out.mux(vout.encode(picture))
                elif aout is not None and resampler is not None:
                    frame.pts = None  # timed by the encoder from the sample count
                    for part in resampler.resample(frame):
                        out.mux(aout.encode(part))
        out.mux(vout.encode(None))
        if aout is not None and resampler is not None:
            for part in resampler.resample(None):
                out.mux(aout.encode(part))
            out.mux(aout.encode(None))
