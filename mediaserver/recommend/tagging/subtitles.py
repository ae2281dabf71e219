"""A title's dialogue as plain lines: a sidecar file read with pysubs2, or an embedded text
track decoded with PyAV. Blocking; run it in a thread."""

from __future__ import annotations

import logging
import re

import av
import pysubs2

log = logging.getLogger(__name__)

MAX_LINES = 20_000
_TAGS = re.compile(r"\{[^}]*\}|<[^>]*>")  # ASS overrides and HTML-ish styling


def _clean(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text.replace("\\N", " ").replace("\\n", " ")).split())


def _sidecar(path: str) -> list[str]:
    subs = pysubs2.load(path, encoding="utf-8")
    return [line for event in subs.events[:MAX_LINES] if (line := _clean(event.plaintext))]


def _ass_text(dialogue: str) -> str:
    """The text field of an ASS dialogue line: after the eighth comma."""
    parts = dialogue.split(",", 8)
    return parts[-1] if len(parts) == 9 else dialogue


def _text(raw: object) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def _embedded(path: str, stream_index: int) -> list[str]:
    lines: list[str] = []
    with av.open(path) as container:
        stream = next((s for s in container.streams if s.index == stream_index), None)
        if stream is None or stream.type != "subtitle":
            return lines
        for packet in container.demux(stream):
            if packet.dts is None:
                continue
            subtitle_set = stream.codec_context.decode2(packet)
            for rect in subtitle_set if subtitle_set is not None else ():
                dialogue = getattr(rect, "dialogue", None)
                raw = dialogue if dialogue else _ass_text(_text(getattr(rect, "ass", b"")))
                if line := _clean(_text(raw)):
                    lines.append(line)
            if len(lines) >= MAX_LINES:
                break
    return lines


def dialogue_lines(media_path: str, sidecar: str | None, stream_index: int | None) -> list[str]:
    """The track's lines; [] when it cannot be read (a broken track only costs its notes)."""
    try:
        if sidecar:
            return _sidecar(sidecar)
        if stream_index is not None:
            return _embedded(media_path, stream_index)
    except (OSError, ValueError, av.FFmpegError, pysubs2.exceptions.Pysubs2Error) as exc:
        log.warning("could not read subtitles of %s: %s", sidecar or media_path, exc)
    return []
