"""A ladder's WebVTT subtitles as an MP4 soft subtitle track (3GPP timed text, "mov_text").

Each cue becomes one sample (a 16-bit length and the plain UTF-8 text; WebVTT markup is dropped,
mov_text styles are not used); the gaps between cues are empty samples, as the format wants a
sample for every moment of the track. The samples are small, so they are held in memory.
"""

from __future__ import annotations

import html
import re
import struct

import numpy as np

from mediaserver.offline.mp4_write import Chunk, TrackTable, box, full_box

TIMESCALE = 1000
_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})\.(\d{3})"
_CUE_TIMES = re.compile(rf"^{_TIME}\s+-->\s+{_TIME}")
_TAG = re.compile(r"<[^>]{0,200}>")
MAX_TEXT = 2000
LANGUAGE_UNDETERMINED = 0x55C4  # "und" packed


def _ms(groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, millis = (int(g or 0) for g in groups)
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def parse_cues(text: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, plain text) of every cue, in time order, overlaps cut."""
    cues = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        match = _CUE_TIMES.match(lines[i].strip())
        i += 1
        if match is None:
            continue
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i])
            i += 1
        plain = html.unescape(_TAG.sub("", "\n".join(body))).strip()[:MAX_TEXT]
        start, end = _ms(match.groups()[:4]), _ms(match.groups()[4:])
        if plain and end > start:
            cues.append((start, end, plain))
    cues.sort(key=lambda cue: cue[0])
    kept: list[tuple[int, int, str]] = []
    for start, end, plain in cues:
        if kept and start < kept[-1][1]:
            start = kept[-1][1]
        if end > start:
            kept.append((start, end, plain))
    return kept


def packed_language(code: str | None) -> int:
    """mdhd's language field: three lower-case letters, five bits each."""
    if not code or len(code) != 3 or not code.isascii() or not code.isalpha():
        return LANGUAGE_UNDETERMINED
    a, b, c = (ord(ch) - 0x60 for ch in code.lower())
    return (a << 10) | (b << 5) | c


def _sample_entry() -> bytes:
    """A tx3g sample entry: white text, bottom centred, one default font."""
    style = struct.pack(">HHHBB", 0, 0, 1, 0, 18) + b"\xff\xff\xff\xff"
    ftab = box(b"ftab", struct.pack(">HHB", 1, 1, 5), b"Serif")
    body = bytes(6) + struct.pack(">H", 1) + struct.pack(">IbB", 0, 1, 0xFF) + bytes(4)
    return box(b"tx3g", body + bytes(8) + style, ftab)


HDLR = full_box(b"hdlr", 0, 0, bytes(4), b"sbtl", bytes(12), b"SubtitleHandler\x00")


def text_track(vtt: str, language: str | None, total_ms: int) -> TrackTable:
    """The subtitle track for a title `total_ms` long (its last sample runs to the end)."""
    samples: list[bytes] = []
    durations: list[int] = []
    at = 0
    for start, end, plain in parse_cues(vtt):
        if start >= total_ms:
            break
        if start > at:
            samples.append(b"\x00\x00")
            durations.append(start - at)
        encoded = plain.encode("utf-8")[:MAX_TEXT]
        samples.append(struct.pack(">H", len(encoded)) + encoded)
        end = min(end, total_ms)
        durations.append(end - start)
        at = end
    if at < total_ms or not samples:
        samples.append(b"\x00\x00")
        durations.append(max(1, total_ms - at))
    data = b"".join(samples)
    chunk = Chunk(start=float("inf"), samples=len(samples), length=len(data), data=data)
    return TrackTable(
        kind="text",
        timescale=TIMESCALE,
        sample_entry=_sample_entry(),
        hdlr=HDLR,
        language=packed_language(language),
        durations=np.array(durations, np.int64),
        sizes=np.array([len(s) for s in samples], np.int64),
        chunks=[chunk],
        enabled=False,
    )
