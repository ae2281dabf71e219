"""The ladder's audio: each source track encoded into its renditions (AAC stereo, and 5.1 when
configured), opened at the track's first decoded frame; a track that will not decode is left out
rather than sinking the title."""

from __future__ import annotations

import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import av

from mediaserver.media.ladder import rungs as ladder
from mediaserver.media.ladder.errors import LadderError
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.ladder.segmenter import AudioRendition
from mediaserver.media.languages import safe_code
from mediaserver.media.sniff import error_words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceTrackFacts:
    """What the playlists need to know of a rendition's source track, copied while the source
    is open (its stream objects point into memory that closing the container frees)."""

    language: str | None
    title: object
    default: bool
    channels: int
    position: int


class AudioTracks:
    def __init__(
        self, streams: list[av.audio.stream.AudioStream], out_dir: Path, profile: LadderProfile
    ) -> None:
        self.streams = streams
        self.out_dir = out_dir
        self.profile = profile
        self.outputs: dict[int, list[tuple[str, AudioRendition]]] = {}  # by stream index
        self.meta: dict[str, SourceTrackFacts] = {}  # by rendition name
        self.dropped: set[int] = set()  # streams left out: they do not decode

    def encode(self, stream: av.audio.stream.AudioStream, frame: av.AudioFrame, at) -> None:
        """One decoded frame (starting `at` seconds on the programme, None: right after the
        previous one) into every rendition of its track."""
        if stream.index not in self.outputs:
            self._open(stream, frame)
        for name, output in self.outputs[stream.index]:
            try:
                output.encode(frame, at)
            except (av.FFmpegError, OSError, ValueError) as exc:
                raise LadderError(f"encoding audio {name} failed: {error_words(exc)}") from None

    def renditions(self) -> list[AudioRendition]:
        return [output for pairs in self.outputs.values() for _name, output in pairs]

    def _open(self, stream: av.audio.stream.AudioStream, frame: av.AudioFrame) -> None:
        position = self.streams.index(stream) + 1
        lang = safe_code(stream.language or stream.metadata.get("language"))
        channels = frame.layout.nb_channels
        wanted = [("2ch", "stereo", ladder.STEREO_BITRATE)]
        if self.profile.surround and channels >= 6:
            wanted.append(("6ch", "5.1", ladder.SURROUND_BITRATE))
        outputs: list[tuple[str, AudioRendition]] = []
        self.outputs[stream.index] = outputs  # registered first: closed whatever happens
        for suffix, layout, bitrate in wanted:
            name = f"{position}_{lang}_{suffix}"
            try:
                output = AudioRendition(
                    self.out_dir / "audio" / name,
                    self.profile,
                    layout=layout,
                    rate=frame.sample_rate,
                    bitrate=bitrate,
                )
            except (av.FFmpegError, OSError, ValueError) as exc:
                why = error_words(exc)
                raise LadderError(
                    f"the audio encoder for track {position} could not be started: {why}"
                ) from None
            outputs.append((name, output))
            self.meta[name] = SourceTrackFacts(
                language=stream.language or stream.metadata.get("language"),
                title=stream.metadata.get("title"),
                default=bool(stream.disposition & av.stream.Disposition.default),
                channels=6 if suffix == "6ch" else 2,
                position=position,
            )

    def can_drop(self, stream: av.stream.Stream, has_video: bool) -> bool:
        """An audio track that will not decode is left out when the title has something else."""
        if stream.type != "audio":
            return False
        others = [s for s in self.streams if s is not stream and s.index not in self.dropped]
        return has_video or bool(others)

    def drop(self, stream: av.stream.Stream, exc: av.FFmpegError) -> None:
        self.dropped.add(stream.index)
        position = self.streams.index(stream) + 1
        log.warning(
            "audio track %d (%s) cannot be decoded (%s): the title is packaged without it",
            position,
            stream.codec_context.name,
            error_words(exc),
        )
        for _name, output in self.outputs.pop(stream.index, []):
            with contextlib.suppress(av.FFmpegError, OSError, RuntimeError):
                output.close(False)
            shutil.rmtree(output.folder, ignore_errors=True)
