"""Downloads of titles without a published ladder, made from the source file: a remux (no
re-encode) when its video and audio fit MP4 and its height is within the account's quality,
otherwise an H.264 + AAC encode at the chosen rung's height. The MP4 (moov first) is written
once into the cache folder under a name made of the file, the choice and the source's size and
mtime, so every request (every range) gets the same bytes; it is made in a worker thread, and
requests that come while it is being made share that one making."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.ladder.rungs import RUNGS, even
from mediaserver.media.live.audio import add_aac_stream, output_rate

# Codecs copied into the MP4 as they are and players commonly decode from MP4.
MP4_VIDEO = frozenset({"h264", "hevc"})
MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3"})
SOURCE_RUNG = "source"
PRESET = "veryfast"
FOLDER = "offline-source"


@dataclass(frozen=True, slots=True)
class SubtitleCues:
    """A soft subtitle track for the MP4: (start ms, end ms, plain text) cues."""

    language: str | None
    cues: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """One MP4 to make from a source: copied as it is, or encoded to `height`."""

    path: str
    video_index: int
    audio_index: int | None
    audio_language: str | None
    remux: bool
    height: int
    bitrate: int  # bits per second for an encode, 0 for a remux
    key: str  # names the cached file
    subtitles: tuple[SubtitleCues, ...] = ()


def audio_name(index: int, language: str | None, channels: int | None) -> str:
    """Named like a ladder's audio folder ("1_fre_2ch"), so the Downloads page reads its
    language the same way."""
    return f"{index}_{language or 'und'}_{channels or 2}ch"


def fits_mp4(video_codec: str, audio_codec: str | None) -> bool:
    return video_codec in MP4_VIDEO and (audio_codec is None or audio_codec in MP4_AUDIO)


def rung_heights(source_height: int, max_height: int) -> list[tuple[str, int]]:
    """(rung name, height) offered from a source, highest first: the source itself (remuxed,
    or encoded at its own height when its codecs do not fit MP4) when within max_height, then
    every standard rung below it and within max_height."""
    cap = max_height or source_height
    found = [(SOURCE_RUNG, source_height)] if source_height <= cap else []
    lower = [(s.name, s.height) for s in RUNGS.values() if s.height < source_height]
    return found + [rung for rung in lower if rung[1] <= cap]


def plan(
    file_id: int, path: str, size: int, mtime: float, video: tuple[int, str, int],
    audio: tuple[int, str, str | None] | None, rung: str, height: int,
    subtitles: tuple[SubtitleCues, ...] = (),
) -> SourcePlan:  # fmt: skip
    """What to make for this choice; `video` is (index, codec, height), `audio` (index, codec,
    language) or None."""
    remux = rung == SOURCE_RUNG and fits_mp4(video[1], audio[1] if audio else None)
    spec = RUNGS.get(rung) or min(RUNGS.values(), key=lambda s: abs(s.height - height))
    bitrate = 0 if remux else spec.h264_kbps * 1000
    text = f"{file_id}|{size}|{mtime!r}|{video[0]}|{audio[0] if audio else '-'}|{rung}|{height}"
    key = hashlib.sha256(f"v1|{text}|{remux}|{bitrate}|{subtitles!r}".encode()).hexdigest()[:32]
    return SourcePlan(
        path, video[0], audio[0] if audio else None, audio[2] if audio else None, remux,
        height, bitrate, key, subtitles,
    )  # fmt: skip


# The mov_text encoder needs an ASS header to open; the styles are the player's defaults.
_ASS_HEADER = "\n".join((
    "[Script Info]", "ScriptType: v4.00+", "PlayResX: 384", "PlayResY: 288", "",
    "[V4+ Styles]",
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
    "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
    "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0",
    "", "[Events]",
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text", "",
)).encode()  # fmt: skip
_MS = Fraction(1, 1000)


def _add_text_tracks(out: av.container.OutputContainer, plan: SourcePlan) -> list:
    """mov_text streams for the plan's subtitles, each with its cues as packets to mux."""
    tracks = []
    for track in plan.subtitles:
        stream = out.add_stream("mov_text")
        stream.codec_context.subtitle_header = _ASS_HEADER
        stream.codec_context.time_base = stream.time_base = _MS
        if track.language:
            stream.metadata["language"] = track.language
        tracks.append((stream, track.cues))
    return tracks


def _mux_text(out: av.container.OutputContainer, tracks: list) -> None:
    for stream, cues in tracks:
        for start, end, text in cues:
            data = text.encode("utf-8")[:65535]
            packet = av.Packet(len(data).to_bytes(2, "big") + data)  # a 3GPP text sample
            packet.stream, packet.time_base = stream, _MS
            packet.pts = packet.dts = start
            packet.duration = end - start
            out.mux(packet)


def _remux(plan: SourcePlan, target: str) -> None:
    with (
        av.open(plan.path) as source,
        av.open(target, "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        chosen = [source.streams[plan.video_index]]
        if plan.audio_index is not None:
            chosen.append(source.streams[plan.audio_index])
        mapping = {s.index: out.add_stream_from_template(s) for s in chosen}
        if plan.audio_index is not None and plan.audio_language:
            mapping[plan.audio_index].metadata["language"] = plan.audio_language
        text = _add_text_tracks(out, plan)
        # Matroska stores no decode times: with B-frames the first packets come without one,
        # and the mp4 muxer needs them. They are given times just before the first known one.
        pending: dict[int, list[av.Packet]] = {s.index: [] for s in chosen}
        last: dict[int, int] = {}
        for packet in source.demux(chosen):
            if packet.size == 0:  # the demuxer's flush packets
                continue
            index = packet.stream.index
            packet.stream = mapping[index]
            if packet.dts is None and index not in last:
                pending[index].append(packet)
                continue
            if packet.dts is None:
                packet.dts = last[index] + 1
                if packet.pts is not None and packet.dts > packet.pts:
                    packet.pts = packet.dts
            step = packet.duration or 1
            for n, early in enumerate(reversed(pending[index]), start=1):
                early.dts = packet.dts - n * step
                if early.pts is None or early.pts < early.dts:
                    early.pts = early.dts
            for early in pending[index]:
                out.mux(early)
            pending[index] = []
            last[index] = packet.dts
            out.mux(packet)
        for early in (p for waiting in pending.values() for p in waiting):
            early.dts = early.pts  # a stream without any decode time: presentation order
            out.mux(early)
        _mux_text(out, text)


def _encode(plan: SourcePlan, target: str) -> None:
    with (
        av.open(plan.path) as source,
        av.open(target, "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        vin = source.streams[plan.video_index]
        height = even(min(plan.height, vin.codec_context.height))
        width = even(vin.codec_context.width * height / vin.codec_context.height)
        rate = vin.average_rate or Fraction(30)
        limits = {"maxrate": str(plan.bitrate * 3 // 2), "bufsize": str(plan.bitrate * 2)}
        vout = out.add_stream("libx264", rate=rate, options={"preset": PRESET, **limits})
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.bit_rate = plan.bitrate
        chosen = [vin]
        aout = resampler = None
        if plan.audio_index is not None:
            ain = source.streams[plan.audio_index]
            chosen.append(ain)
            aout = add_aac_stream(out, output_rate(ain.codec_context.sample_rate))
            if plan.audio_language:
                aout.metadata["language"] = plan.audio_language
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=aout.rate)
        text = _add_text_tracks(out, plan)
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
        _mux_text(out, text)


def make(plan: SourcePlan, target: Path) -> None:
    """Write the MP4 at `target` (through a temporary name, so a half-made file is never
    served)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        (_remux if plan.remux else _encode)(plan, str(partial))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


class SourceMaker:
    """The MP4s being made now, one making per cached file however many requests ask."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = Path(cache_dir) / FOLDER
        self._making: dict[str, asyncio.Task[None]] = {}
        self._failed: dict[str, str] = {}  # told to the next request, which may try again

    def target(self, plan: SourcePlan) -> Path:
        return self.folder / f"{plan.key}.mp4"

    def ready(self, plan: SourcePlan) -> Path | None:
        """The made file, or None after starting (or joining) its making; a failed making
        raises RuntimeError with the reason once (the request after tries again)."""
        target = self.target(plan)
        if plan.key in self._making:
            return None
        if target.is_file():
            return target
        failed = self._failed.pop(plan.key, None)
        if failed is not None:
            raise RuntimeError(failed)
        task = asyncio.create_task(asyncio.to_thread(make, plan, target))
        task.add_done_callback(functools.partial(self._done, plan.key))
        self._making[plan.key] = task
        return None

    def _done(self, key: str, task: asyncio.Task[None]) -> None:
        del self._making[key]
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self._failed[key] = str(error) or type(error).__name__

    @property
    def busy(self) -> int:
        """How many MP4s are being made now."""
        return len(self._making)

    def sweep(self, older_than: float) -> int:
        """Delete made files (and leftovers of a crash) last written before `older_than`. A
        download asked for again is made again; its ETag differs, so no resumed range mixes
        the two files."""
        gone = 0
        for path in self.folder.glob("*.mp4*") if self.folder.is_dir() else ():
            key = path.name.split(".", 1)[0]
            if key in self._making or path.stat().st_mtime >= older_than:
                continue
            path.unlink(missing_ok=True)
            gone += 1
        return gone

    async def close(self) -> None:
        if self._making:
            await asyncio.wait(list(self._making.values()))
