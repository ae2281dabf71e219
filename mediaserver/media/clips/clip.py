"""A clip of a range of a video: `start_clip` writes what plays it (its own small HLS playlist
with fMP4 segments, and a JPEG poster of its first frame) and hands back a `PlayableClip` that
then writes the MP4 download from the same packets; `cut_clip` does both at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av

from mediaserver.media.clips.cut import ClipCutError, VideoCut, cut_video
from mediaserver.media.clips.mux import PLAYLIST, ClipPackets, encode_mp4, remux_hls
from mediaserver.media.clips.segments import playlist_segments

MP4_NAME = "clip.mp4"
POSTER_NAME = "poster.jpg"
POSTER_WIDTH = 1280


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What `start_clip` wrote under its folder, and how."""

    mp4: Path  # written by `PlayableClip.write_mp4` (at once by `cut_clip`)
    playlist: Path  # index.m3u8 beside init.mp4 and seg_*.m4s
    poster: Path
    hls_files: tuple[str, ...]  # names in the playlist's folder
    duration: float
    width: int
    height: int
    copied_packets: int  # video packets copied as they were
    encoded_frames: int  # video frames decoded and encoded again
    audio_copied: bool


class PlayableClip:
    """A clip whose HLS playlist and poster are written (`result` names them; its MP4 is not
    there until `write_mp4`). Holds the source open until `close`."""

    def __init__(self, result: ClipResult, packets: ClipPackets | None, inputs: list) -> None:
        self.result = result
        self._packets = packets  # None: the MP4 was written first (the slower path)
        self._inputs = inputs

    def write_mp4(self) -> Path:
        """The MP4 download, index first, from the packets the playlist holds."""
        if self._packets is not None:
            try:
                self._packets.write_mp4(self.result.mp4)
            except (av.error.FFmpegError, OSError) as exc:
                raise ClipCutError(f"the clip's MP4 could not be made: {exc}") from None
            self._packets = None
        return self.result.mp4

    def close(self) -> None:
        for container in self._inputs:
            container.close()
        self._inputs = []

    def __enter__(self) -> PlayableClip:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _save_poster(frame: av.VideoFrame, target: Path) -> None:
    image = frame.to_image()
    if image.width > POSTER_WIDTH:
        image = image.resize((POSTER_WIDTH, round(image.height * POSTER_WIDTH / image.width)))
    image.save(target, "JPEG", quality=85)


def _poster_of_mp4(mp4: Path, target: Path) -> float:
    """The MP4's first frame as a JPEG; returns the clip's duration read back."""
    with av.open(str(mp4)) as src:
        duration = float(src.duration / av.time_base) if src.duration else 0.0
        first = next(src.decode(src.streams.video[0]), None)
        if first is None:
            raise ClipCutError("the clip has no frame to show")
    _save_poster(first, target)
    return duration


def _playlist_seconds(playlist: Path) -> float:
    return sum(s.duration for s in playlist_segments(playlist.read_text()))


def _fast(
    cut: VideoCut, vin, ain, astream, span: tuple[float, float, float], out_dir: Path
) -> tuple:
    """HLS straight from the cut's packets, the poster (the frame the cut decoded) beside it."""
    start, end, origin = span
    packets = ClipPackets.of(cut, vin.streams.video[0], ain, astream, start, end, origin)
    # JPEG scaling and encoding let go of the GIL: the poster is made while the HLS is muxed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-poster") as pool:
        poster = pool.submit(_save_poster, cut.first_frame, out_dir / POSTER_NAME)
        files = packets.write_hls(out_dir / "hls")
        poster.result()
    return packets, files, _playlist_seconds(out_dir / "hls" / PLAYLIST)


def _slow(vin, ain, cut: VideoCut | None, span, out_dir: Path, sizing) -> tuple:
    """The MP4 first (audio or video encoded), then its HLS remux and poster."""
    encoded, copied_audio, size = encode_mp4(vin, ain, cut, span, out_dir / MP4_NAME, sizing)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-poster") as pool:
        poster = pool.submit(_poster_of_mp4, out_dir / MP4_NAME, out_dir / POSTER_NAME)
        files = remux_hls(out_dir / MP4_NAME, out_dir / "hls")
        duration = poster.result()
    return encoded, copied_audio, size, files, duration


def start_clip(
    video: Path | str,
    start: float,
    end: float,
    out_dir: Path,
    *,
    audio: Path | str | None = None,
    origin: float | None = None,
    max_height: int = 1080,
    preset: str = "ultrafast",
) -> PlayableClip:
    """Cut [start, end) seconds of `video` (a path or an FFmpeg URL such as concat:; times from
    `origin`; None: the video's first timestamp) into `out_dir`, as far as playing it needs.
    `audio`: a separate file to take the sound from (a packaged ladder's audio rendition); None:
    the video file's first audio stream."""
    if not end > start >= 0:
        raise ClipCutError("the clip must end after it starts")
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs: list = []
    try:
        vin = av.open(str(video))
        inputs.append(vin)
        if not vin.streams.video:
            raise ClipCutError("the source has no video")
        vs = vin.streams.video[0]
        if origin is None:
            origin = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
        ain = vin
        if audio is not None:
            ain = av.open(str(audio))
            inputs.append(ain)
        span = (start, end, origin)
        cut = cut_video(vin, start, end, origin, max_height, preset)
        astream = ain.streams.audio[0] if ain.streams.audio else None
        packets = None
        if cut is not None and (astream is None or astream.codec_context.name == "aac"):
            packets, files, duration = _fast(cut, vin, ain, astream, span, out_dir)
            size, encoded, copied_audio = (vs.width, vs.height), cut.encoded, astream is not None
        else:
            encoded, copied_audio, size, files, duration = _slow(
                vin, ain, cut, span, out_dir, (max_height, preset)
            )
            encoded = cut.encoded if cut else encoded
    except BaseException as exc:
        for container in inputs:
            container.close()
        if isinstance(exc, (av.error.FFmpegError, OSError)):
            raise ClipCutError(f"the clip could not be made: {exc}") from None
        raise
    result = ClipResult(
        mp4=out_dir / MP4_NAME,
        playlist=out_dir / "hls" / PLAYLIST,
        poster=out_dir / POSTER_NAME,
        hls_files=files,
        duration=duration or end - start,
        width=size[0],
        height=size[1],
        copied_packets=cut.copied if cut else 0,
        encoded_frames=encoded,
        audio_copied=copied_audio,
    )
    return PlayableClip(result, packets, inputs)


def cut_clip(video: Path | str, start: float, end: float, out_dir: Path, **options) -> ClipResult:
    """`start_clip` and the MP4 at once (the same keyword options)."""
    with start_clip(video, start, end, out_dir, **options) as playable:
        playable.write_mp4()
        return playable.result
