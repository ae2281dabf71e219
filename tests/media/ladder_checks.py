"""Check a packaged ladder the way players do: parse every playlist with `m3u8`, the MPD with
`mpegdash`, decode every segment (init + segment) with PyAV, compare with the playlists.

These read our own output, so opening it with PyAV directly is fine: the hostile media files rule
(docs/security.md) is about user media, which always goes through sniff.open_media.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import m3u8
from mpegdash.parser import MPEGDASHParser


@dataclass
class DecodedSegment:
    uri: str
    extinf: float
    start: float  # first frame's presentation time, seconds
    duration: float  # frames x frame duration (video) or samples / rate (audio)
    frames: int
    first_is_key: bool
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    profile: str = ""
    channels: int = 0


def decode_segment(init: bytes, segment: bytes, uri: str, extinf: float) -> DecodedSegment:
    with av.open(io.BytesIO(init + segment), "r", format="mp4") as container:
        stream = container.streams[0]
        ctx = stream.codec_context
        frames = []
        for packet in container.demux(stream):
            for frame in packet.decode():
                frames.append(frame)
        assert frames, f"{uri} decodes to nothing"
        tb = stream.time_base
        first = frames[0]
        if stream.type == "video":
            times = sorted(float(f.pts * tb) for f in frames)
            step = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else extinf
            return DecodedSegment(
                uri,
                extinf,
                times[0],
                times[-1] - times[0] + step,
                len(frames),
                bool(first.key_frame),
                first.width,
                first.height,
                first.format.name,
                stream.profile or "",
            )
        samples = sum(f.samples for f in frames)
        return DecodedSegment(
            uri,
            extinf,
            float(first.pts * tb),
            samples / first.sample_rate,
            len(frames),
            True,
            channels=ctx.layout.nb_channels,
        )


def check_media_playlist(out_dir: Path, uri: str) -> list[DecodedSegment]:
    """Parse one media playlist and decode every one of its segments."""
    path = out_dir / uri
    playlist = m3u8.load(str(path))
    assert playlist.is_endlist and playlist.playlist_type == "vod"
    assert playlist.segment_map, f"{uri} has no EXT-X-MAP"
    init = (path.parent / playlist.segment_map[0].uri).read_bytes()
    decoded = []
    for segment in playlist.segments:
        assert round(segment.duration) <= playlist.target_duration
        data = (path.parent / segment.uri).read_bytes()
        decoded.append(decode_segment(init, data, segment.uri, segment.duration))
    return decoded


def check_mpd(out_dir: Path, name: str = "manifest.mpd"):
    mpd = MPEGDASHParser.parse(str(out_dir / name))
    assert mpd.type == "static"
    for period in mpd.periods:
        for adaptation in period.adaptation_sets:
            for representation in adaptation.representations:
                for template in representation.segment_templates or ():
                    assert (out_dir / template.initialization).is_file()
                    timeline = template.segment_timelines[0]
                    count = sum(1 + (s.r or 0) for s in timeline.Ss)
                    for number in range(template.start_number, template.start_number + count):
                        media = template.media.replace("$Number%05d$", f"{number:05d}")
                        assert (out_dir / media).is_file(), media
    return mpd


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A plain HTTP server over `folder` on loopback; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def play_over_http(url: str) -> dict[str, float]:
    """Open a master playlist over HTTP with FFmpeg's HLS demuxer and read it to the end:
    {stream type: last end time in seconds}."""
    ends: dict[str, float] = {}
    with av.open(url, options={"protocol_whitelist": "http,tcp,file,crypto"}) as container:
        streams = [s for s in container.streams if s.type in ("video", "audio")]
        for packet in container.demux(*streams):
            if packet.pts is None:
                continue
            for frame in packet.decode():
                tb = packet.stream.time_base
                end = float(frame.pts * tb)
                ends[packet.stream.type] = max(ends.get(packet.stream.type, 0.0), end)
    return ends
