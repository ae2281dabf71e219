"""Poster candidates: stills taken from the video, measured, the bad ones rejected, the rest scored.

`make_poster_candidates(source, out_dir)` seeks to `count` instants spread over 10%..80% of the
duration (never the first or last 5%: logos, black, credits), decodes the frame at each one
(accurately: from the keyframe before it), turns it upright (rotation) and to square pixels
(sample aspect), and measures a grey copy MEASURE_WIDTH px wide:

- brightness: mean luma (0..255) and the share of near-black pixels -> "black" / "washed out";
- contrast: luma standard deviation -> "flat" (fades, title-card backgrounds, test patterns);
- sharpness: variance of the 3x3 Laplacian (Pillow's ImageFilter.Kernel) -> "blurred";
- colourfulness: mean HSV saturation (only for the score).

Kept frames are scored (sharpness on a log scale, contrast, colour, brightness near mid-grey) and
saved at every card width in WebP and JPEG under fixed names `poster_<index>_<width>.webp|jpg`.
The list comes back best first: accepted candidates (files written, rejected_reason None), then the
rejected ones (no files, rejected_reason set). If every frame is rejected, the least bad one is
saved anyway and put first (with its rejected_reason kept), so a title always has an image:
`result[0]` is always the chosen poster and always has files. Synchronous; no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.error
from PIL import Image, ImageFilter, ImageStat

from mediaserver.media.filters.deinterlace import deinterlace_still
from mediaserver.media.sniff import MediaRejected, container_seconds, ffmpeg_reason, open_media

CARD_WIDTHS = (1280, 640, 320)
MEASURE_WIDTH = 640
MAX_DECODE_FRAMES = 900  # frames decoded per seek, at most (a long GOP)
BLACK_MEAN = 24.0  # mean luma below this: black
BLACK_SHARE = 0.92  # or this share of pixels darker than BLACK_LEVEL
BLACK_LEVEL = 28
WHITE_MEAN = 238.0
FLAT_STDDEV = 12.0
BLUR_LAPLACIAN_VARIANCE = 30.0
WEBP_QUALITY = 80
JPEG_QUALITY = 85
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)
_UPRIGHT = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180}
_UPRIGHT[270] = Image.Transpose.ROTATE_90


Rejection = Literal["black", "washed out", "flat", "blurred"]


@dataclass(frozen=True)
class PosterCandidate:
    index: int  # 1-based, in time order; it names the files: poster_<index>_<width>.<ext>
    time_seconds: float  # from the start of the video
    score: float  # higher is better; only comparable within one title
    brightness: float  # mean luma, 0..255
    contrast: float  # luma standard deviation, 0..~128
    sharpness: float  # variance of the Laplacian at MEASURE_WIDTH
    width: int  # full card size (the largest file)
    height: int
    files: dict[tuple[int, str], str] = field(
        default_factory=dict
    )  # (width, "webp"|"jpeg") -> name
    rejected_reason: Rejection | None = None  # None if kept


@dataclass(frozen=True)
class Measures:
    brightness: float
    dark_share: float
    contrast: float
    sharpness: float
    colourfulness: float


# ----------------------------------------------------------------- frames (shared w/ trickplay)


def main_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise MediaRejected("the file has no video stream")


def display_size(stream: av.video.stream.VideoStream, rotation: int = 0) -> tuple[int, int]:
    """Upright, square-pixel size of the picture (sample aspect applied to the width)."""
    ctx = stream.codec_context
    width, height = ctx.width or 0, ctx.height or 0
    if width <= 0 or height <= 0:
        raise MediaRejected("the video has no picture size")
    sar = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        width = max(2, round(width * sar))
    return (height, width) if rotation in (90, 270) else (width, height)


def clockwise_rotation(frame: av.VideoFrame) -> int:
    """Degrees to turn this frame clockwise to show it upright (0, 90, 180, 270)."""
    try:
        ccw = frame.rotation or 0
    except (AttributeError, ValueError):
        return 0
    return (round(-ccw / 90) * 90) % 360


def frame_image(frame: av.VideoFrame, width: int, height: int) -> Image.Image:
    """The frame, deinterlaced and upright, as an RGB image of exactly width x height (the
    upright size)."""
    rotation = clockwise_rotation(frame)
    frame = deinterlace_still(frame)
    coded = (height, width) if rotation in (90, 270) else (width, height)
    picture = frame.reformat(
        width=coded[0], height=coded[1], format="rgb24", interpolation="AREA"
    ).to_image()
    if rotation in _UPRIGHT:
        picture = picture.transpose(_UPRIGHT[rotation])
    return picture


def scaled_size(size: tuple[int, int], width: int) -> tuple[int, int]:
    return width, max(2, round(size[1] * width / size[0]))


def stream_start(stream: av.video.stream.VideoStream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def decode_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    target: float,
    *,
    seek_to: float | None = None,
    keyframes_only: bool = False,
    limit: int = MAX_DECODE_FRAMES,
) -> av.VideoFrame | None:
    """Seek to the keyframe at or before `seek_to` (default: target; stream seconds, start time
    included) and decode up to the first frame at or after `target` (keyframes_only: just the
    first keyframe). At most `limit` frames; the last one decoded if the target is never reached;
    None when nothing decodes there (MPEG-TS cannot seek to a point with no keyframe after it)."""
    base: Fraction = stream.time_base or Fraction(1, 1000)
    tolerance = 0.5 / float(stream.average_rate or 25)
    stream.codec_context.skip_frame = "NONKEY" if keyframes_only else "DEFAULT"
    container.seek(
        int((target if seek_to is None else seek_to) / base), stream=stream, backward=True
    )
    chosen: av.VideoFrame | None = None
    try:
        for decoded, frame in enumerate(container.decode(stream)):
            chosen = frame
            if keyframes_only or frame.time is None or frame.time >= target - tolerance:
                break
            if decoded >= limit:
                break
    except (av.error.EOFError, av.error.InvalidDataError):
        pass  # damaged or cut short from here on: what was decoded is what there is
    return chosen


def frames_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    seconds: Sequence[float],
) -> Iterator[tuple[float, av.VideoFrame | None]]:
    """For each time (seconds from the start) the first frame at or after it, decoded from the
    keyframe before it (from the start when that seek finds nothing); the last frame decoded when
    the time lies past the end; None if nothing decodes."""
    start = stream_start(stream)
    for t in seconds:
        target = start + max(0.0, t)
        frame = decode_at(container, stream, target)
        if frame is None and t > 0:
            frame = decode_at(container, stream, target, seek_to=start)
        yield t, frame


# ----------------------------------------------------------------------------- measuring


def measure(picture: Image.Image) -> Measures:
    width = min(MEASURE_WIDTH, picture.width)
    small = picture.resize(scaled_size(picture.size, width), Image.Resampling.BILINEAR)
    grey = small.convert("L")
    stats = ImageStat.Stat(grey)
    histogram = grey.histogram()
    dark_share = sum(histogram[:BLACK_LEVEL]) / max(1, grey.width * grey.height)
    laplacian = grey.filter(_LAPLACIAN)  # the 1 px border is left unfiltered: leave it out
    edges = ImageStat.Stat(laplacian.crop((1, 1, grey.width - 1, grey.height - 1)))
    saturation = ImageStat.Stat(small.convert("HSV").getchannel("S")).mean[0]
    return Measures(
        brightness=stats.mean[0],
        dark_share=dark_share,
        contrast=stats.stddev[0],
        sharpness=edges.var[0],
        colourfulness=saturation,
    )


def rejection(m: Measures) -> Rejection | None:
    if m.brightness < BLACK_MEAN or m.dark_share > BLACK_SHARE:
        return "black"
    if m.brightness > WHITE_MEAN:
        return "washed out"
    if m.contrast < FLAT_STDDEV:
        return "flat"
    if m.sharpness < BLUR_LAPLACIAN_VARIANCE:
        return "blurred"
    return None


def score(m: Measures) -> float:
    """Sharp, contrasty, colourful and neither dark nor bright scores high."""
    value = 2.0 * math.log10(1.0 + m.sharpness)
    value += min(m.contrast, 80.0) / 40.0
    value += min(m.colourfulness, 160.0) / 80.0
    value -= abs(m.brightness - 120.0) / 60.0
    value -= 3.0 * m.dark_share
    return round(value, 4)


# ------------------------------------------------------------------------------- saving


def _save(picture: Image.Image, out_dir: Path, index: int, widths: Sequence[int]) -> dict:
    files: dict[tuple[int, str], str] = {}
    for width in widths:
        image = picture
        if width != picture.width:
            image = picture.resize(scaled_size(picture.size, width), Image.Resampling.LANCZOS)
        webp, jpeg = f"poster_{index}_{width}.webp", f"poster_{index}_{width}.jpg"
        image.save(out_dir / webp, "WEBP", quality=WEBP_QUALITY, method=4)
        image.save(out_dir / jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        files[(width, "webp")], files[(width, "jpeg")] = webp, jpeg
    return files


def poster_positions(duration: float | None, count: int) -> list[float]:
    """count instants spread evenly over 10%..80% of the duration."""
    if not duration or duration <= 0:
        return [float(i) for i in range(count)]  # unknown length: the first seconds
    if count == 1:
        return [round(duration * 0.33, 3)]
    return [round(duration * (0.10 + 0.70 * i / (count - 1)), 3) for i in range(count)]


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream):
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container_seconds(container)


def make_poster_candidates(
    source: Path,
    out_dir: Path,
    *,
    count: int = 6,
    widths: Sequence[int] = CARD_WIDTHS,
) -> list[PosterCandidate]:
    """Take `count` stills, reject black/washed-out/flat/blurred ones, save the rest at every card
    width (never upscaled; a source narrower than the smallest width is saved at its own width) in
    WebP and JPEG in out_dir. Best first; result[0] always has files. MediaRejected (`.reason`) when
    the file cannot be read or no frame decodes."""
    if not 1 <= count <= 50:
        raise ValueError("count must be between 1 and 50")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: list[tuple[PosterCandidate, Image.Image]] = []
    with open_media(source) as (container, sniffed):
        stream = main_video_stream(container)
        stream.thread_type = "AUTO"
        try:
            size = display_size(stream)
            positions = poster_positions(_duration(container, stream), count)
            for index, (t, frame) in enumerate(frames_at(container, stream, positions), start=1):
                if frame is None:
                    continue
                rotation = clockwise_rotation(frame)
                upright = (size[1], size[0]) if rotation in (90, 270) else size
                kept = [w for w in widths if w <= upright[0]] or [upright[0]]
                picture = frame_image(frame, *scaled_size(upright, max(kept)))
                m = measure(picture)
                candidate = PosterCandidate(
                    index=index,
                    time_seconds=t,
                    score=score(m),
                    brightness=round(m.brightness, 2),
                    contrast=round(m.contrast, 2),
                    sharpness=round(m.sharpness, 2),
                    width=picture.width,
                    height=picture.height,
                    rejected_reason=rejection(m),
                )
                taken.append((candidate, picture))
        except (av.FFmpegError, OSError, ValueError, MemoryError) as exc:
            raise MediaRejected(ffmpeg_reason(exc, sniffed)) from None
    if not taken:
        raise MediaRejected("no video frame could be decoded for a poster")
    taken.sort(key=lambda item: (item[0].rejected_reason is not None, -item[0].score))
    if taken[0][0].rejected_reason is not None:  # all rejected: the least bad one still serves
        taken.sort(key=lambda item: (_badness(item[0]), -item[0].score))
    results = []
    for position, (candidate, picture) in enumerate(taken):
        if candidate.rejected_reason is None or position == 0:
            sizes = sorted(
                {w for w in widths if w <= picture.width} | {picture.width}, reverse=True
            )
            candidate = replace(candidate, files=_save(picture, out_dir, candidate.index, sizes))
        results.append(candidate)
    return results


def _badness(candidate: PosterCandidate) -> int:
    """Which rejected frame is least bad: blurred beats flat beats washed out beats black."""
    order = ("blurred", "flat", "washed out", "black")
    reason = candidate.rejected_reason
    return order.index(reason) if reason in order else len(order)
