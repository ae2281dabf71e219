"""Burning a bitmap subtitle stream (PGS, VobSub, DVB) into the picture of a live transcode.

Bitmap subtitles cannot become WebVTT, so a player that needs them gets them drawn onto the
video. FFmpeg decodes each cue into rects of palette indices; PyAV does not expose the rects'
palettes, so the palette is read here from the stream itself: PGS palette definition segments
(PDS, selected by the composition's palette id), VobSub's 16-colour `palette:` line from the
extradata with the SET_COLOR/SET_CONTR commands of each packet; DVB (CLUTs) gets a plain light
grey ramp. Each rect becomes a `pal8` frame, converted to RGBA by swscale and laid over the
(upright, full-size) picture with FFmpeg's `overlay` filter; the filter graph is rebuilt only when
the shown cue or the picture size changes. Filter names and arguments are constants or integers
computed here (docs/security.md, encoder option injection).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from fractions import Fraction

import av
import av.filter

MAX_SHOWN_MS = 10_000  # a cue with no end time stays this long at most
PGS_PDS, PGS_PCS = 0x14, 0x16
NO_END = 0xFFFFFFFF  # FFmpeg's "until the next cue"


@dataclass
class _Cue:
    start: Fraction
    end: Fraction
    images: list[tuple[int, int, av.VideoFrame]]  # x, y, RGBA picture


def _argb(r: int, g: int, b: int, a: int) -> bytes:
    return struct.pack("<I", (a << 24) | (r << 16) | (g << 8) | b)  # AVPALETTE: native uint32


def _clip(v: float) -> int:
    return 0 if v < 0 else 255 if v > 255 else int(v + 0.5)


def _ycbcr(y: int, cr: int, cb: int, a: int, hd: bool) -> bytes:
    """Limited-range Y'CbCr (BT.709 for HD pictures, else BT.601) to a palette entry."""
    yy, u, v = (y - 16) * 255 / 219, (cb - 128) * 255 / 224, (cr - 128) * 255 / 224
    if hd:
        r, g, b = yy + 1.5748 * v, yy - 0.1873 * u - 0.4681 * v, yy + 1.8556 * u
    else:
        r, g, b = yy + 1.402 * v, yy - 0.344136 * u - 0.714136 * v, yy + 1.772 * u
    return _argb(_clip(r), _clip(g), _clip(b), a)


class _PgsPalettes:
    """PGS palettes by id, updated entry by entry as PDS segments come (like FFmpeg's decoder)."""

    def __init__(self, hd: bool) -> None:
        self.hd = hd
        self.palettes: dict[int, list[bytes]] = {}
        self.current = 0

    def feed(self, data: bytes) -> None:
        pos = 0
        if data[:2] == b"PG":  # .sup framing: "PG" + pts + dts before each segment
            pos = 10
        while pos + 3 <= len(data):
            kind, size = data[pos], struct.unpack_from(">H", data, pos + 1)[0]
            body = data[pos + 3 : pos + 3 + size]
            if kind == PGS_PDS and len(body) >= 2:
                entries = self.palettes.setdefault(body[0], [_argb(0, 0, 0, 0)] * 256)
                for i in range(2, len(body) - 4, 5):
                    index, y, cr, cb, alpha = body[i : i + 5]
                    entries[index] = _ycbcr(y, cr, cb, alpha, self.hd)
            elif kind == PGS_PCS and len(body) >= 10:
                self.current = body[9]
            pos += 3 + size
            if data[pos : pos + 2] == b"PG":
                pos += 10

    def palette(self) -> bytes:
        return b"".join(self.palettes.get(self.current, [_argb(0, 0, 0, 0)] * 256))


class _VobSubPalette:
    """VobSub: 16 RGB colours from the extradata (`palette: rrggbb, ...`); each packet picks four
    of them and their alphas (SET_COLOR, SET_CONTR) for bitmap values 0-3."""

    def __init__(self, extradata: bytes | None) -> None:
        self.colors = [(255, 255, 255)] * 16
        found = re.search(rb"palette:\s*([0-9a-fA-F, ]+)", extradata or b"")
        if found:
            values = [int(v, 16) for v in re.findall(rb"[0-9a-fA-F]{6}", found[1])[:16]]
            for i, value in enumerate(values):
                self.colors[i] = (value >> 16 & 255, value >> 8 & 255, value & 255)
        self.indices = (0, 1, 2, 3)
        self.alphas = (0, 15, 15, 15)

    def feed(self, data: bytes) -> None:
        if len(data) < 4:
            return
        pos = struct.unpack_from(">H", data, 2)[0]  # the first control sequence
        seen = set()
        while pos + 4 <= len(data) and pos not in seen:
            seen.add(pos)
            following = struct.unpack_from(">H", data, pos + 2)[0]
            i = pos + 4
            while i < len(data):
                cmd = data[i]
                i += 1
                if cmd == 0xFF:
                    break
                if cmd == 0x03 and i + 2 <= len(data):
                    v = struct.unpack_from(">H", data, i)[0]
                    # Bitmap value 3 is the first nibble (emphasis 2 ... background 0).
                    self.indices = (v & 15, v >> 4 & 15, v >> 8 & 15, v >> 12 & 15)
                    i += 2
                elif cmd == 0x04 and i + 2 <= len(data):
                    v = struct.unpack_from(">H", data, i)[0]
                    self.alphas = (v & 15, v >> 4 & 15, v >> 8 & 15, v >> 12 & 15)
                    i += 2
                elif cmd == 0x05:
                    i += 6
                elif cmd == 0x06:
                    i += 4
                elif cmd > 0x06:
                    break
            if following == pos:
                break
            pos = following

    def palette(self) -> bytes:
        entries = [_argb(*self.colors[self.indices[n]], self.alphas[n] * 17) for n in range(4)]
        return b"".join(entries) + _argb(0, 0, 0, 0) * 252


class _GreyPalette:
    """DVB and anything else: value 0 transparent, the rest an opaque light grey ramp."""

    def feed(self, data: bytes) -> None:
        return None

    def palette(self) -> bytes:
        return _argb(0, 0, 0, 0) + b"".join(
            _argb(v, v, v, 255) for v in (160 + (n * 95) // 254 for n in range(255))
        )


class BurnIn:
    """Holds the decoded cues of one subtitle stream and draws the current one on frames."""

    def __init__(self, container: av.container.InputContainer, index: int, t0: Fraction) -> None:
        stream = next((s for s in container.streams.subtitles if s.index == index), None)
        if stream is None:
            raise ValueError("no such subtitle stream")
        self.stream = stream
        self.t0 = t0
        self.cues: list[_Cue] = []
        self.key: tuple | None = None
        self.graph: av.filter.Graph | None = None
        self.inputs: list = []
        self.last_pts: int | None = None
        name = stream.codec_context.name
        video = next(iter(container.streams.video), None)
        hd = bool(video is not None and (video.codec_context.height or 0) > 576)
        if name in ("pgssub", "hdmv_pgs_subtitle"):
            self.palettes: _PgsPalettes | _VobSubPalette | _GreyPalette = _PgsPalettes(hd)
        elif name in ("dvdsub", "dvd_subtitle"):
            self.palettes = _VobSubPalette(stream.codec_context.extradata)
        else:
            self.palettes = _GreyPalette()

    def prime(
        self, container: av.container.InputContainer, video: av.stream.Stream, begin: Fraction
    ) -> None:
        """Before a session that starts at `begin` seeks there: take in the cues of the
        MAX_SHOWN_MS before it, so one that is already showing is drawn from the first frame."""
        since = max(Fraction(0), begin - Fraction(MAX_SHOWN_MS, 1000) + self.t0)
        container.seek(math.floor(since / video.time_base), stream=video, backward=True)
        for packet in container.demux(self.stream):
            if packet.pts is not None and packet.pts * self.stream.time_base - self.t0 >= begin:
                break
            self.add(packet)

    def add(self, packet: av.Packet) -> None:
        if packet.pts is None or (self.last_pts is not None and packet.pts <= self.last_pts):
            return  # no time to place it by, or already taken in by prime()
        self.last_pts = packet.pts
        start = packet.pts * self.stream.time_base - self.t0
        try:
            self.palettes.feed(bytes(packet))
            subtitle_set = self.stream.codec_context.decode2(packet)
        except (av.FFmpegError, ValueError, struct.error):
            return  # a damaged cue is skipped; the picture goes on
        if subtitle_set is None:
            return
        begin = start + Fraction(subtitle_set.start_display_time, 1000)
        if self.cues and self.cues[-1].end > begin:
            self.cues[-1].end = begin  # a new cue (or an empty one) ends the previous
        palette = self.palettes.palette()
        images = [img for rect in subtitle_set.rects if (img := _image(rect, palette)) is not None]
        shown = subtitle_set.end_display_time
        if not shown or shown >= NO_END:
            shown = MAX_SHOWN_MS
        end = start + Fraction(min(int(shown), MAX_SHOWN_MS), 1000)
        if images and end > begin:
            self.cues.append(_Cue(begin, end, images))
        self.cues = self.cues[-16:]  # only the recent ones can still be on screen

    def apply(self, frame: av.VideoFrame, at: Fraction) -> av.VideoFrame:
        cue = next((c for c in reversed(self.cues) if c.start <= at < c.end), None)
        if cue is None:
            return frame
        key = (id(cue), frame.width, frame.height, frame.format.name)
        if key != self.key:
            self._build(frame, cue)
            self.key = key
        assert self.graph is not None
        self.inputs[0].push(frame)
        for i, (_x, _y, image) in enumerate(cue.images):
            image.pts = frame.pts
            image.time_base = frame.time_base
            self.inputs[i + 1].push(image)
        out = self.graph.vpull()
        out.pts, out.time_base = frame.pts, frame.time_base
        return out

    def _build(self, frame: av.VideoFrame, cue: _Cue) -> None:
        graph = av.filter.Graph()
        tb = frame.time_base or Fraction(1, 90_000)
        main = graph.add_buffer(
            width=frame.width, height=frame.height, format=frame.format.name, time_base=tb
        )
        node = main
        inputs = [main]
        for x, y, image in cue.images:
            source = graph.add_buffer(
                width=image.width, height=image.height, format="rgba", time_base=tb
            )
            inputs.append(source)
            overlay = graph.add("overlay", f"x={int(x)}:y={int(y)}:eof_action=pass")
            node.link_to(overlay, 0, 0)
            source.link_to(overlay, 0, 1)
            node = overlay
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        self.graph, self.inputs = graph, inputs


def _image(rect: object, palette: bytes) -> tuple[int, int, av.VideoFrame] | None:
    """A bitmap rect as (x, y, RGBA frame); None for text rects or empty ones."""
    width, height = getattr(rect, "width", 0), getattr(rect, "height", 0)
    planes = getattr(rect, "planes", ())
    if not width or not height or not planes:
        return None
    indices = bytes(planes[0])
    source_stride = len(indices) // height if height else width
    if source_stride < width:
        return None
    pal = av.VideoFrame(width, height, "pal8")
    stride = pal.planes[0].line_size
    rows = b"".join(
        indices[r * source_stride : r * source_stride + width].ljust(stride, b"\x00")
        for r in range(height)
    )
    pal.planes[0].update(rows[: pal.planes[0].buffer_size].ljust(pal.planes[0].buffer_size, b"\0"))
    pal.planes[1].update(palette[:1024].ljust(1024, b"\x00"))
    return int(rect.x), int(rect.y), pal.reformat(format="rgba")  # type: ignore[attr-defined]
