"""Build the adaptive-bitrate ladder of one source: HLS + DASH over one set of CMAF fMP4 segments.

`build_ladder` is synchronous (the job runs it in a thread). It decodes the source once
(pipeline.py), encodes every rung and audio rendition into its own segmenter (segmenter.py), reads
the segments back (bmff.py) and writes the HLS playlists (hls.py) and the DASH MPD (dash.py).

Layout in out_dir, all names relative:

    master.m3u8, manifest.mpd
    video/<rung>/init.mp4, seg_00001.m4s ..., index.m3u8, iframes.m3u8
    audio/<n>_<lang>_<2ch|6ch>/init.mp4, seg_00001.m4s ..., index.m3u8
    subs/<lang>[-forced]/index.m3u8   (pointing at the WebVTT files passed in)

Errors: `LadderError` (with `.reason`) for anything that stops the ladder, `LadderCancelled` when
should_stop() asked for it. Either way out_dir may hold partial output: the caller deletes it
(the job writes to a temporary prefix and publishes only a finished ladder).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mediaserver.media.ladder.errors import LadderCancelled, LadderError
from mediaserver.media.ladder.pipeline import Pipeline, Progress
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.ladder.segmenter import read_back
from mediaserver.media.packaged import dash, hls
from mediaserver.media.packaged.bmff import BmffError
from mediaserver.media.packaged.renditions import (
    AudioTrackResult,
    LadderResult,
    RungResult,
    SubtitleRendition,
    Track,
)
from mediaserver.media.sniff import MediaRejected, open_media

__all__ = ["LadderCancelled", "LadderError", "build_ladder"]


def _never() -> bool:
    return False


def build_ladder(
    source: Path,
    out_dir: Path,
    profile: LadderProfile,
    *,
    subtitles: Sequence[SubtitleRendition] = (),
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = _never,
) -> LadderResult:
    """Package `source` into `out_dir` (created if missing; should be empty).

    progress(percent 0-100, source frames per second or None, seconds left or None) is called
    about twice a second from this thread. should_stop() is polled for every packet."""
    started = time.monotonic()
    out_dir = Path(out_dir).resolve()
    if "%" in str(out_dir):
        raise LadderError("the output folder's path must not contain '%'")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open_media(source) as (container, _sniffed):
            pipeline = Pipeline(container, out_dir, profile, progress, should_stop)
            pipeline.run()
    except MediaRejected as exc:
        raise LadderError(f"the source cannot be packaged: {exc.reason}") from None
    if should_stop():
        raise LadderCancelled("stopped while finishing")
    try:
        video, audio = _read_tracks(pipeline, out_dir)
    except (BmffError, OSError) as exc:
        raise LadderError(f"the written segments cannot be read back: {exc}") from None
    if not video and not audio:
        raise LadderError("no audio or video could be decoded from the source")
    duration = max(t.duration_seconds for t in video + audio)
    files = _write_playlists(out_dir, video, audio, tuple(subtitles), duration, profile)
    elapsed = time.monotonic() - started
    if progress is not None:
        progress(100.0, pipeline.frames / elapsed if pipeline.frames else None, 0.0)
    return _result(pipeline, video, audio, tuple(subtitles), duration, elapsed, files)


def _read_tracks(pipeline: Pipeline, out_dir: Path) -> tuple[list[Track], list[Track]]:
    video = []
    for rung in pipeline.rungs:
        track = read_back("video", rung.plan.name, rung.folder, out_dir)
        if track is not None:
            track.width, track.height = rung.plan.width, rung.plan.height
            track.frame_rate = round(float(pipeline.frame_rate), 3)
            video.append(track)
    audio = []
    for outputs in pipeline.tracks.outputs.values():
        for name, output in outputs:
            track = read_back("audio", name, output.folder, out_dir)
            if track is None:
                continue
            facts = pipeline.tracks.meta[name]
            track.language = facts.language
            track.title = _title(facts.title)
            track.channels = facts.channels
            track.sample_rate = output.sample_rate
            track.source_index = facts.position
            track.default = facts.default
            audio.append(track)
    return video, audio


def _title(value: object) -> str | None:
    if not value:
        return None
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()
    return text[:100] or None


def _write(out_dir: Path, relative: str, text: str, files: list[str]) -> None:
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    files.append(relative)


def _write_playlists(
    out_dir: Path,
    video: list[Track],
    audio: list[Track],
    subtitles: tuple[SubtitleRendition, ...],
    duration: float,
    profile: LadderProfile,
) -> list[str]:
    files: list[str] = []
    for track in video + audio:
        files += [f"{track.path}/init.mp4"] + [f"{track.path}/{s.uri}" for s in track.segments]
        _write(out_dir, f"{track.path}/{hls.MEDIA_PLAYLIST}", hls.media_playlist(track), files)
    for track in video:
        _write(out_dir, f"{track.path}/{hls.IFRAME_PLAYLIST}", hls.iframe_playlist(track), files)
    folders = hls.subtitle_folders(subtitles)
    for sub, folder in zip(subtitles, folders, strict=True):
        uri = hls.relative_uri(sub.uri, folder)
        _write(
            out_dir, f"{folder}/{hls.MEDIA_PLAYLIST}", hls.subtitle_playlist(uri, duration), files
        )
    master = hls.master_playlist(video, audio, subtitles, folders)
    _write(out_dir, hls.MASTER, master, files)
    manifest = dash.mpd(video, audio, subtitles, duration, profile.segment_seconds)
    _write(out_dir, dash.MPD_NAME, manifest, files)
    return files


def _result(
    pipeline: Pipeline,
    video: list[Track],
    audio: list[Track],
    subtitles: tuple[SubtitleRendition, ...],
    duration: float,
    elapsed: float,
    files: list[str],
) -> LadderResult:
    groups = hls.audio_groups(audio)
    stereo = next(iter(groups.values()), [])
    rungs = []
    for track in video:
        peak, average, codecs = hls.variant_figures(track, stereo)
        rungs.append(
            RungResult(
                name=track.name,
                width=track.width,
                height=track.height,
                bandwidth=peak,
                average_bandwidth=average,
                video_bandwidth=track.bandwidth,
                codecs=codecs,
                frame_rate=track.frame_rate,
                segment_count=len(track.segments),
            )
        )
    tracks = [
        AudioTrackResult(
            name=track.name,
            language=track.language,
            title=track.title,
            channels=track.channels,
            codecs=track.codecs,
            bandwidth=track.bandwidth,
            average_bandwidth=track.average_bandwidth,
            default=any(e.default for g in groups.values() for e in g if e.track is track),
            source_index=track.source_index,
            segment_count=len(track.segments),
        )
        for track in audio
    ]
    return LadderResult(
        rungs=tuple(rungs),
        audio=tuple(tracks),
        subtitles=subtitles,
        duration=round(duration, 3),
        segment_duration=pipeline.profile.segment_seconds,
        frames=pipeline.frames,
        fps=round(pipeline.frames / elapsed, 2) if pipeline.frames and elapsed > 0 else 0.0,
        elapsed_seconds=round(elapsed, 3),
        files=tuple(files),
    )
