"""Cue text made safe, and WebVTT files written: shared by subtitles and trickplay.

`render_cue_text` turns ASS-marked-up cue text (what FFmpeg's subtitle decoders and pysubs2 both
produce) into WebVTT cue text that is TEXT (docs/security.md, stored XSS): ASS override blocks are
read only for italic/bold/underline and then dropped; drawing commands (\\p1) are dropped; HTML-ish
tags other than <i>/<b>/<u> are dropped when they are known formatting (<font>, <c.yellow>, <v Bob>,
<span>) and escaped otherwise (`<script>` comes out as `&lt;script&gt;`); entities are decoded once
and `&`, `<`, `>` escaped, so `-->` can never end a cue early; control characters go; each line
opens and closes its own tags, so nothing leaks into the next line or cue; no blank lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_CUES = 100_000
MAX_CUE_CHARS = 4_000
OPEN_ENDED_CUE_SECONDS = 5.0  # a cue with no duration lasts until the next one, at most this


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # rendered, safe WebVTT cue text (no blank lines)


# ---------------------------------------------------------------- cue text -> safe WebVTT text

_BLOCK = re.compile(r"\{([^}]*)\}")
_ASS_STYLE = re.compile(r"\\(?:([ibu])(\d+)|p(\d+)|r([^\\]*))")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\.[\w-]+)*)(?:\s[^<>]*)?/?>")
_TIME_TAG = re.compile(r"<\d[\d:.]*>")  # WebVTT karaoke timestamps
_FORMAT_TAGS = frozenset("ibu")
_DROPPED_TAGS = frozenset({"font", "span", "c", "v", "lang", "ruby", "rt", "s", "strike", "p"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ORDER = "ibu"


def _html_runs(text: str, state: dict[str, bool], runs: list[tuple[str, str]]) -> None:
    """Split plain text with HTML-ish tags into runs, updating state for <i>/<b>/<u>."""
    pos = 0
    for match in _TAG.finditer(text):
        name = match.group(2).lower()
        if name not in _FORMAT_TAGS and name not in _DROPPED_TAGS and name != "br":
            continue  # unknown markup stays in the text and is escaped later
        runs.append((_key(state), html.unescape(text[pos : match.start()])))
        pos = match.end()
        if name == "br":
            runs.append(("\n", "\n"))
        elif name in _FORMAT_TAGS:
            state[name] = not match.group(1)
    runs.append((_key(state), html.unescape(text[pos:])))


def _key(state: dict[str, bool]) -> str:
    return "".join(t for t in _ORDER if state.get(t))


def _ass_block(block: str, state: dict[str, bool]) -> None:
    for match in _ASS_STYLE.finditer(block):
        tag, value, drawing, reset = match.groups()
        if tag:
            number = int(value)
            # \b1 and weights from 600 (\b700) are bold; \b0 and \b400 are not
            state[tag] = number == 1 or (tag == "b" and number >= 600) or (tag != "b" and number)
        elif drawing is not None:
            state["p"] = drawing != "0"
        elif reset is not None:
            state.clear()


def _line_markup(runs: list[tuple[str, str]]) -> str:
    out = []
    for key, text in runs:
        if not text:
            continue
        body = html.escape(text, quote=False)  # text was unescaped once: entities show right
        opens = "".join(f"<{t}>" for t in key)
        closes = "".join(f"</{t}>" for t in reversed(key))
        out.append(f"{opens}{body}{closes}" if text.strip() else body)
    return "".join(out)


def _strip_line(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    runs = [(k, t) for k, t in runs if t]
    while runs and not runs[0][1].strip():
        runs.pop(0)
    while runs and not runs[-1][1].strip():
        runs.pop()
    if runs:
        runs[0] = (runs[0][0], runs[0][1].lstrip())
        runs[-1] = (runs[-1][0], runs[-1][1].rstrip())
    return runs


def render_cue_text(ass_text: str) -> str:
    """ASS-marked-up cue text (override blocks, \\N, maybe HTML-ish tags) -> safe WebVTT cue text:
    only <i>, <b>, <u> as markup, everything else plain and escaped, no blank lines."""
    ass_text = _CONTROL.sub("", ass_text[: MAX_CUE_CHARS * 4])
    ass_text = _TIME_TAG.sub("", ass_text)
    state: dict[str, bool] = {}
    runs: list[tuple[str, str]] = []  # (style key, text); key "\n" marks a line break
    pos = 0
    for match in [*_BLOCK.finditer(ass_text), None]:
        end = match.start() if match else len(ass_text)
        segment = ass_text[pos:end]
        if not state.get("p"):  # text in drawing mode is vector commands, not words
            segment = segment.replace("\\N", "\n").replace("\\n", " ").replace("\\h", "\u00a0")
            for part_index, part in enumerate(segment.split("\n")):
                if part_index:
                    runs.append(("\n", "\n"))
                _html_runs(part, state, runs)
        if match:
            _ass_block(match.group(1), state)
            pos = match.end()
    lines: list[list[tuple[str, str]]] = [[]]
    for key, text in runs:
        if key == "\n":
            lines.append([])
        else:
            lines[-1].append((key, text.replace("\t", " ")))
    rendered = [_line_markup(_strip_line(line)) for line in lines]
    text = "\n".join(line for line in rendered if line)
    return text[:MAX_CUE_CHARS]


# ------------------------------------------------------------------------- writing WebVTT


def vtt_timestamp(seconds: float) -> str:
    """00:01:02.345 (hours always written, never negative)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def finish_cues(raw: Iterable[tuple[float, float | None, str]]) -> list[Cue]:
    """(start, end or None, ASS text) -> rendered cues: sorted, clamped at 0, open ends closed at
    the next cue (at most OPEN_ENDED_CUE_SECONDS), empty, zero-length and duplicate cues dropped."""
    items = []
    for start, end, text in raw:
        rendered = render_cue_text(text)
        if rendered:
            items.append((max(0.0, start), end, rendered))
    items.sort(key=lambda c: c[0])
    cues: list[Cue] = []
    seen: set[tuple[int, int, str]] = set()
    for i, (start, end, rendered) in enumerate(items):
        if end is None:
            later = next((s for s, _, _ in items[i + 1 :] if s > start), None)
            end = start + OPEN_ENDED_CUE_SECONDS
            if later is not None:
                end = min(end, later)
        end = max(0.0, end)
        key = (round(start * 1000), round(end * 1000), rendered)
        if key[1] <= key[0] or key in seen:
            continue
        seen.add(key)
        cues.append(Cue(start, end, rendered))
        if len(cues) >= MAX_CUES:
            break
    return cues


def write_webvtt(cues: list[Cue], out_path: Path, *, mpegts: int = 0) -> None:
    parts = [f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{int(mpegts)},LOCAL:00:00:00.000\n"]
    for cue in cues:
        parts.append(f"\n{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}\n{cue.text}\n")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("".join(parts), encoding="utf-8", newline="\n")
