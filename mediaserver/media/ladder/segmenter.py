"""Encoders and CMAF fMP4 segmenters, one per rendition, and reading the result back.

Each rendition (a video rung or an audio track) is encoded into FFmpeg's HLS muxer in fMP4 mode,
which writes `init.mp4` + `seg_00001.m4s`... with one `moof`+`mdat` per segment (styp + sidx
first). Audio is cut at the first frame at or after every multiple of the segment duration,
measured from the rendition's first timestamp (absolute targets, so audio never drifts).

Video is not cut by the muxer's clock: the pipeline decides once, from the source's timestamps,
which frames start a segment (`SegmentStarts`), and every rung marks exactly those packets as
keyframes for the muxer, which cuts at each of them. A muxer measuring time on its own from each
rung's first packet could otherwise place a boundary (typically the last, short segment's) one
frame apart on one rung, and a player switching there would see a repeated or backward
timestamp. The other forced IDRs inside a segment stay IDRs in the bitstream; only the muxer's
sync flag is left off them. The muxer's own playlist is discarded: hls.py writes ours from the
segments as they are on disk (bmff.py reads them).

Every option below is a constant or a number computed on the server (docs/security.md, encoder
option injection).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.ladder.rungs import PROFILES, LadderProfile, RungPlan
from mediaserver.media.packaged.bmff import read_init, read_segment
from mediaserver.media.packaged.renditions import Track

INIT_NAME = "init.mp4"
SEGMENT_PATTERN = "seg_%05d.m4s"
SEGMENT_GLOB = "seg_*.m4s"
MUXER_PLAYLIST = "muxer.m3u8"  # FFmpeg's playlist, deleted once ours is written
AUDIO_RATES = (44100, 48000)
SILENCE_GAP_SECONDS = 0.1  # audio gaps longer than this are filled with silence
# Frame threads scale far better than slice threads for several encoders fed from one loop
# (bench/ladder.py --threading compares them).
ENCODER_THREAD_TYPE = "FRAME"
# The muxer's segment duration for video: shorter than any frame, so that it cuts at every packet
# marked as a keyframe, and only the pipeline's SegmentStarts decide where segments begin.
CUT_AT_EVERY_KEYFRAME = 0.000001


class SegmentStarts:
    """The timestamps (in the source video's time base) of the frames that start a segment,
    decided once by the pipeline for every rung. It adds a frame's timestamp before handing the
    frame to any rung, so a rung's encoder thread always finds it here."""

    def __init__(self) -> None:
        self._pts: set[int] = set()

    def add(self, pts: int) -> None:
        self._pts.add(pts)

    def __contains__(self, pts: object) -> bool:
        return pts in self._pts


def open_segmenter(folder: Path, segment_seconds: float) -> av.container.OutputContainer:
    """An HLS/fMP4 muxer writing into `folder` (absolute, created here, no '%' in it), cutting at
    the first keyframe at or after every `segment_seconds`."""
    folder.mkdir(parents=True, exist_ok=True)
    options = {
        "hls_time": f"{segment_seconds:.6f}",
        "hls_segment_type": "fmp4",
        "hls_playlist_type": "vod",
        "hls_list_size": "0",
        "start_number": "1",
        "hls_fmp4_init_filename": INIT_NAME,
        "hls_segment_filename": f"file:{folder / SEGMENT_PATTERN}",
        # CMAF: signed composition offsets (trun v1), so the first frame's presentation time is
        # its decode time (tfdt) with no edit list: B-frame reordering no longer shifts video
        # against audio in players that ignore edit lists.
        "hls_segment_options": "movflags=+negative_cts_offsets+cmaf",
    }
    return av.open(
        f"file:{folder / MUXER_PLAYLIST}",
        "w",
        format="hls",
        options=options,
        container_options={"avoid_negative_ts": "disabled"},
    )


def _encoder_options(profile: LadderProfile, plan: RungPlan, gop: int) -> dict[str, str]:
    if profile.hardware is not None:
        return _hardware_options(profile, plan)
    keyint = f"keyint={2 * gop}:min-keyint={gop}:scenecut=0:open-gop=0"
    options = {
        "preset": profile.preset,
        "profile": PROFILES[profile.codec],
        "forced-idr": "1",  # a forced I frame becomes an IDR: a clean start for every segment
        "maxrate": str(plan.maxrate),
        "bufsize": str(plan.bufsize),
    }
    if profile.codec == "hevc":
        options["x265-params"] = f"{keyint}:log-level=error"
    else:
        options["x264-params"] = keyint
    return options


# Our x264 presets mapped onto NVENC's p1 (fastest) .. p7 and Quick Sync's named presets.
NVENC_PRESETS = {
    **{"ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p4", "fast": "p4"},
    **{"medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7"},
}
QSV_PRESETS = {"ultrafast": "veryfast", "superfast": "veryfast"}


def _hardware_options(profile: LadderProfile, plan: RungPlan) -> dict[str, str]:
    """Options for NVENC / Quick Sync: capped VBR at the rung's rates, forced frames become IDR,
    no keyframes at scene cuts (the same fixed GOP on every rung, as with x264)."""
    common = {
        "profile": PROFILES[profile.codec],
        "maxrate": str(plan.maxrate),
        "bufsize": str(plan.bufsize),
    }
    if profile.hardware == "nvenc":
        return common | {
            "preset": NVENC_PRESETS.get(profile.preset, "p4"),
            "rc": "vbr",
            "forced-idr": "1",
            "no-scenecut": "1",
        }
    return common | {  # qsv
        "preset": QSV_PRESETS.get(profile.preset, profile.preset),
        "idr_interval": "0",  # every I frame an IDR
        "adaptive_i": "0",  # no scene-cut I frames
    }


class VideoRung:
    """One rung: its encoder (frame-threaded) and its segmenter."""

    def __init__(
        self,
        plan: RungPlan,
        profile: LadderProfile,
        folder: Path,
        *,
        time_base: Fraction,
        frame_rate: Fraction,
        gop: int,
        colour: dict[str, int],
        starts: SegmentStarts,
        threads: int = 0,
    ) -> None:
        self.plan = plan
        self.folder = folder
        self.starts = starts
        self.time_base = time_base
        self.container = open_segmenter(folder, CUT_AT_EVERY_KEYFRAME)
        try:
            stream = self.container.add_stream(
                profile.encoder, rate=frame_rate, options=_encoder_options(profile, plan, gop)
            )
            stream.width, stream.height = plan.width, plan.height
            stream.pix_fmt = profile.pixel_format
            stream.time_base = time_base
            ctx = stream.codec_context
            ctx.time_base = time_base
            ctx.framerate = frame_rate
            ctx.bit_rate = plan.bitrate
            ctx.gop_size = 2 * gop
            ctx.thread_type = ENCODER_THREAD_TYPE
            ctx.thread_count = threads
            for name, value in colour.items():
                setattr(ctx, name, value)
            if profile.codec == "hevc":
                ctx.codec_tag = "hvc1"  # what Apple players require in MP4
            self.stream = stream
        except BaseException:
            self.container.close()
            raise

    def encode(self, frame: av.VideoFrame | None) -> None:
        packets = self.stream.encode(frame)
        for packet in packets:
            starts = packet.pts in self.starts
            if starts and not packet.is_keyframe:
                at = float(packet.pts * self.time_base)
                raise RuntimeError(f"the encoder did not start a keyframe at {at:.3f} s")
            packet.is_keyframe = starts
        self.container.mux(packets)

    def close(self, flush: bool) -> None:
        try:
            if flush:
                self.encode(None)
        finally:
            self.container.close()


class AudioRendition:
    """One audio output (AAC-LC stereo, or 5.1) of one source track. Timestamps are rebuilt from
    a sample counter (AAC wants a gapless stream) anchored at the track's first frame; real gaps
    in the source are filled with silence so the track stays in sync with the video."""

    def __init__(
        self, folder: Path, profile: LadderProfile, *, layout: str, rate: int, bitrate: int
    ) -> None:
        self.folder = folder
        self.layout = layout
        self.container = open_segmenter(folder, profile.segment_seconds)
        try:
            out_rate = rate if rate in AUDIO_RATES else 48000
            stream = self.container.add_stream("aac", rate=out_rate)
            stream.layout = layout
            stream.codec_context.bit_rate = bitrate
            self.stream = stream
        except BaseException:
            self.container.close()
            raise
        self.sample_rate = out_rate  # kept: the stream is freed when the container closes
        self.next_pts: int | None = None
        self.source_rate = 0

    def encode(self, frame: av.AudioFrame, seconds: float | None) -> None:
        """`seconds`: the frame's presentation time from the start of the programme (None when
        the source gave none: the frame follows the previous one)."""
        rate = frame.sample_rate
        if self.next_pts is None or rate != self.source_rate:
            self.source_rate = rate
            self.next_pts = max(0, round((seconds or 0) * rate))
        if seconds is not None:
            gap = round(seconds * rate) - self.next_pts
            if gap > SILENCE_GAP_SECONDS * rate:
                self._silence(frame, gap)
        frame.pts = self.next_pts
        frame.time_base = Fraction(1, rate)
        self.next_pts += frame.samples
        self.container.mux(self.stream.encode(frame))

    def _silence(self, like: av.AudioFrame, samples: int) -> None:
        while samples > 0:
            count = min(samples, like.sample_rate)
            silent = av.AudioFrame(format=like.format.name, layout=like.layout, samples=count)
            zero = b"\x80" if like.format.name.startswith("u8") else b"\x00"
            for plane in silent.planes:
                plane.update(zero * plane.buffer_size)
            silent.sample_rate = like.sample_rate
            silent.pts = self.next_pts
            silent.time_base = Fraction(1, like.sample_rate)
            self.next_pts += count
            samples -= count
            self.container.mux(self.stream.encode(silent))

    def close(self, flush: bool) -> None:
        try:
            if flush:
                self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()


def read_back(kind: str, name: str, folder: Path, out_dir: Path) -> Track | None:
    """The rendition as written, or None when it holds no segment (a stream with no frames)."""
    (folder / MUXER_PLAYLIST).unlink(missing_ok=True)
    init_path = folder / INIT_NAME
    files = sorted(folder.glob(SEGMENT_GLOB))
    if not init_path.is_file() or not files:
        return None
    init = read_init(init_path)
    segments = [read_segment(path, init, path.name) for path in files]
    return Track(
        kind=kind,
        name=name,
        path=folder.relative_to(out_dir).as_posix(),
        init=init,
        segments=segments,
    )
