"""`cut_clip`: one MP4 (index first) of a range of a video, its own small HLS playlist with fMP4
segments, and a JPEG poster of its first frame."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av

from mediaserver.media.clips import audio as clip_audio
from mediaserver.media.clips.cut import ClipCutError, VideoCut, cut_video, frames_in_range

MP4_NAME = "clip.mp4"
PLAYLIST = "index.m3u8"
POSTER_NAME = "poster.jpg"
HLS_SEGMENT_SECONDS = 4
POSTER_WIDTH = 1280


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What `cut_clip` wrote under its folder, and how."""

    mp4: Path
    playlist: Path  # index.m3u8 beside init.mp4 and seg_*.m4s
    poster: Path
    hls_files: tuple[str, ...]  # names in the playlist's folder
    duration: float
    width: int
    height: int
    copied_packets: int  # video packets copied as they were
    encoded_frames: int  # video frames decoded and encoded again
    audio_copied: bool


def _write_mp4(
    vin, ain, start: float, end: float, origin: float, target: Path, max_height: int, preset: str
) -> tuple[VideoCut | None, int, bool, tuple[int, int]]:
    vs = vin.streams.video[0]
    cut = cut_video(vin, start, end, origin, max_height, preset)
    astream = ain.streams.audio[0] if ain is not None and ain.streams.audio else None
    encoded = 0
    # Negative composition offsets: the first frame is presented at 0 with no edit list (Chromium
    # ignores an edit list's shift, and would show every frame the reorder delay late).
    mp4_options = {"movflags": "+faststart+negative_cts_offsets"}
    with av.open(str(target), "w", format="mp4", options=mp4_options) as out:
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
        lead = 0.0  # where the first frame lands: at zero, its decode time below
        if cut is not None:
            zero = cut.first_pts
            for packet in cut.packets:
                packet.pts -= zero
                packet.dts -= zero
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
            # Audio starts with the first frame (every player maps both to the clip's zero).
            shift = round((start + origin - lead) / astream.time_base)
            for packet in clip_audio.copy_packets(ain, astream, origin, start, end):
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = oa
                queue.append((float(packet.dts * astream.time_base), packet))
        elif oa is not None:
            for packet in clip_audio.encode_range(
                ain, astream, oa, origin, start, end, round(lead * oa.codec_context.rate)
            ):
                queue.append((float(packet.dts * packet.time_base), packet))
        for _t, packet in sorted(queue, key=lambda item: item[0]):
            out.mux(packet)
    return cut, encoded, copied_audio, size


def _write_hls(mp4: Path, folder: Path) -> tuple[str, ...]:
    """The MP4's packets remuxed into fMP4 segments and a VOD playlist (no re-encoding)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = {
        "hls_segment_type": "fmp4",
        "hls_time": str(HLS_SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(folder / "seg_%05d.m4s"),
    }
    with (
        av.open(str(mp4)) as src,
        av.open(str(folder / PLAYLIST), "w", format="hls", options=options) as out,
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


def _save_poster(frame: av.VideoFrame, target: Path) -> None:
    image = frame.to_image()
    if image.width > POSTER_WIDTH:
        image = image.resize((POSTER_WIDTH, round(image.height * POSTER_WIDTH / image.width)))
    image.save(target, "JPEG", quality=85)


def _write_poster(mp4: Path, target: Path, first: av.VideoFrame | None) -> float:
    """The clip's first frame as a JPEG (the one the cut decoded already, when it did); returns
    the clip's duration read back."""
    with av.open(str(mp4)) as src:
        duration = float(src.duration / av.time_base) if src.duration else 0.0
        if first is None:
            first = next(src.decode(src.streams.video[0]), None)
            if first is None:
                raise ClipCutError("the clip has no frame to show")
    _save_poster(first, target)
    return duration


def cut_clip(
    video: Path,
    start: float,
    end: float,
    out_dir: Path,
    *,
    audio: Path | None = None,
    origin: float | None = None,
    max_height: int = 1080,
    preset: str = "ultrafast",
) -> ClipResult:
    """Cut [start, end) seconds of `video` (times from `origin`; None: the video's first
    timestamp) into `out_dir`. `audio`: a separate file to take the sound from (a packaged
    ladder's audio rendition); None: the video file's first audio stream."""
    if not end > start >= 0:
        raise ClipCutError("the clip must end after it starts")
    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / MP4_NAME
    try:
        with av.open(str(video)) as vin:
            if not vin.streams.video:
                raise ClipCutError("the source has no video")
            vs = vin.streams.video[0]
            if origin is None:
                origin = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
            ain = av.open(str(audio)) if audio is not None else vin
            try:
                cut, encoded, copied_audio, size = _write_mp4(
                    vin, ain, start, end, origin, mp4, max_height, preset
                )
            finally:
                if ain is not vin:
                    ain.close()
        # The poster (scaling and JPEG encoding let go of the GIL) while the HLS is remuxed.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-poster") as pool:
            poster = pool.submit(
                _write_poster, mp4, out_dir / POSTER_NAME, cut.first_frame if cut else None
            )
            files = _write_hls(mp4, out_dir / "hls")
            duration = poster.result()
    except (av.error.FFmpegError, OSError) as exc:
        raise ClipCutError(f"the clip could not be made: {exc}") from None
    return ClipResult(
        mp4=mp4,
        playlist=out_dir / "hls" / PLAYLIST,
        poster=out_dir / POSTER_NAME,
        hls_files=files,
        duration=duration or end - start,
        width=size[0],
        height=size[1],
        copied_packets=cut.copied if cut else 0,
        encoded_frames=(cut.encoded if cut else encoded),
        audio_copied=copied_audio,
    )
