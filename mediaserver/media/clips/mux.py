"""Writing a cut clip's packets: the same in-memory packets muxed twice, first into the HLS
playlist (so the clip plays as soon as it exists) and then into the MP4, with no second read of
the source and no re-encoding; and the slower path that encodes into an MP4 first."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.clips import audio as clip_audio
from mediaserver.media.clips.cut import ClipCutError, VideoCut, frames_in_range

HLS_SEGMENT_SECONDS = 4
PLAYLIST = "index.m3u8"
# Negative composition offsets: the first frame is presented at 0 with no edit list (Chromium
# ignores an edit list's shift, and would show every frame the reorder delay late).
MP4_OPTIONS = {"movflags": "+faststart+negative_cts_offsets"}


def hls_options(folder: Path) -> dict[str, str]:
    return {
        "hls_segment_type": "fmp4",
        "hls_time": str(HLS_SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(folder / "seg_%05d.m4s"),
        # As in the MP4: hls.js places samples by their decode times and Chromium's MSE
        # ignores the edit list, so the first frame must be presented at its decode time.
        "hls_segment_options": "movflags=+negative_cts_offsets",
    }


@dataclass(frozen=True, slots=True)
class _Sample:
    """A packet and its timestamps as cut (muxing rebases a packet to the output's time base;
    these put it back before the next output)."""

    packet: av.Packet
    video: bool
    pts: int
    dts: int
    time_base: Fraction


def _fill_durations(packets: list[av.Packet]) -> None:
    """Each video packet's duration, to the next frame shown (the last: as the one before).
    The HLS muxer adds these up for each segment's EXTINF; a re-encoded packet has none, and
    a playlist that says the clip is shorter than it is cuts it short in hls.js."""
    shown = sorted(packets, key=lambda p: p.pts)
    gaps = [b.pts - a.pts for a, b in zip(shown, shown[1:], strict=False)]
    for packet, gap in zip(shown, [*gaps, gaps[-1] if gaps else 1], strict=True):
        packet.duration = gap


class ClipPackets:
    """The clip's video (copied GOPs and re-encoded edges) and copied AAC packets, in decode
    order, with the source streams they came from (kept open until `close`)."""

    def __init__(self, vstream, extradata: bytes, astream, samples: list[_Sample]) -> None:
        self._vstream, self._extradata, self._astream = vstream, extradata, astream
        self._samples = samples

    @classmethod
    def of(cls, cut: VideoCut, vstream, ain, astream, start: float, end: float, origin: float):
        """The cut's video shifted so its first frame is at 0, and the AAC packets of the range
        shifted alike (every player maps both to the clip's zero)."""
        samples: list[tuple[float, _Sample]] = []
        _fill_durations(cut.packets)
        for packet in cut.packets:
            packet.pts -= cut.first_pts
            packet.dts -= cut.first_pts
            sample = _Sample(packet, True, packet.pts, packet.dts, cut.time_base)
            samples.append((float(packet.dts * cut.time_base), sample))
        if astream is not None:
            shift = round((start + origin) / astream.time_base)
            for packet in clip_audio.copy_packets(ain, astream, origin, start, end):
                sample = _Sample(packet, False, packet.pts - shift, packet.dts - shift,
                                 astream.time_base)  # fmt: skip
                samples.append((float(sample.dts * astream.time_base), sample))
        samples.sort(key=lambda item: item[0])
        return cls(vstream, cut.extradata, astream, [s for _, s in samples])

    def _mux_into(self, out) -> None:
        ov = out.add_stream_from_template(self._vstream)
        ov.codec_context.extradata = self._extradata
        oa = out.add_stream_from_template(self._astream) if self._astream is not None else None
        for s in self._samples:
            s.packet.stream = ov if s.video else oa
            s.packet.pts, s.packet.dts, s.packet.time_base = s.pts, s.dts, s.time_base
            out.mux(s.packet)

    def write_hls(self, folder: Path) -> tuple[str, ...]:
        """fMP4 segments and a VOD playlist; the names written in `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        with av.open(str(folder / PLAYLIST), "w", format="hls", options=hls_options(folder)) as out:
            self._mux_into(out)
        return tuple(sorted(p.name for p in folder.iterdir()))

    def write_mp4(self, target: Path) -> None:
        """The MP4 (index first) from the same packets."""
        with av.open(str(target), "w", format="mp4", options=MP4_OPTIONS) as out:
            self._mux_into(out)


def remux_hls(mp4: Path, folder: Path) -> tuple[str, ...]:
    """An MP4's packets remuxed into fMP4 segments and a VOD playlist (no re-encoding)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (
        av.open(str(mp4)) as src,
        av.open(str(folder / PLAYLIST), "w", format="hls", options=hls_options(folder)) as out,
    ):
        streams = {
            s.index: out.add_stream_from_template(s)
            for s in src.streams
            if s.type in ("video", "audio")
        }
        for packet in src.demux(*[src.streams[i] for i in streams]):
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return tuple(sorted(p.name for p in folder.iterdir()))


def encode_mp4(
    vin, ain, cut: VideoCut | None, span: tuple[float, float, float], target: Path, sizing
) -> tuple[int, bool, tuple[int, int]]:
    """The MP4 of a clip whose audio must be encoded or whose video is re-encoded whole (the
    slower path); `span`: start, end, origin; `sizing`: max height, x264 preset."""
    start, end, origin = span
    max_height, preset = sizing
    vs = vin.streams.video[0]
    astream = ain.streams.audio[0] if ain is not None and ain.streams.audio else None
    encoded = 0
    with av.open(str(target), "w", format="mp4", options=MP4_OPTIONS) as out:
        if cut is not None:
            ov = out.add_stream_from_template(vs)
            ov.codec_context.extradata = cut.extradata
            size = (vs.width, vs.height)
        else:
            height = min(max_height, vs.height) // 2 * 2
            size = (max(2, round(vs.width * height / vs.height / 2) * 2), height)
            ov = out.add_stream("libx264", rate=vs.average_rate or 24)
            ov.width, ov.height, ov.pix_fmt = size[0], size[1], "yuv420p"
            ov.options = {"preset": preset, "crf": "20"}
        copied_audio = astream is not None and astream.codec_context.name == "aac"
        oa = None
        if copied_audio:
            oa = out.add_stream_from_template(astream)
        elif astream is not None:
            oa = out.add_stream("aac", rate=48000, layout="stereo")
        queue: list[tuple[float, av.Packet]] = []
        if cut is not None:
            for packet in cut.packets:
                packet.pts -= cut.first_pts
                packet.dts -= cut.first_pts
                packet.stream = ov
                queue.append((float(packet.dts * cut.time_base), packet))
        else:
            for frame in frames_in_range(vin, vs, origin, start, end):
                frame = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                frame.pts, frame.time_base = encoded, 1 / ov.codec_context.framerate
                encoded += 1
                queue += [(float(p.dts * p.time_base), p) for p in ov.encode(frame)]
            queue += [(float(p.dts * p.time_base), p) for p in ov.encode(None)]
            if not encoded:
                raise ClipCutError("no frame of the video lies in the chosen range")
        if copied_audio:
            shift = round((start + origin) / astream.time_base)
            for packet in clip_audio.copy_packets(ain, astream, origin, start, end):
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = oa
                queue.append((float(packet.dts * astream.time_base), packet))
        elif oa is not None:
            for packet in clip_audio.encode_range(ain, astream, oa, origin, start, end):
                queue.append((float(packet.dts * packet.time_base), packet))
        for _t, packet in sorted(queue, key=lambda item: item[0]):
            out.mux(packet)
    return encoded, copied_audio, size
