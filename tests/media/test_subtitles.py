"""Subtitles to WebVTT: embedded streams and side files, rendered as text, never as markup."""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.sniff import MediaRejected
from mediaserver.media.subtitles import (
    BitmapSubtitle,
    SubtitleError,
    SubtitleOutput,
    convert_embedded,
    convert_embedded_many,
    convert_sidecar,
)
from mediaserver.media.webvtt import finish_cues, render_cue_text, vtt_timestamp
from tests.media_factory import make_audio_only, make_video

HEADER = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n"
CUE_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$")

ASS_FILE = """[Script Info]
ScriptType: v4.00+
PlayResX: 640
PlayResY: 360

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,\
2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{\\an8\\pos(320,20)\\c&HFFFF&}Top {\\i1}sign{\\i0}
Comment: 0,0:00:00.60,0:00:01.00,Default,,0,0,0,,a comment nobody sees
Dialogue: 0,0:00:01.20,0:00:02.00,Default,,0,0,0,,{\\b1}Bold{\\b0} line\\Nsecond <script>x</script>
Dialogue: 0,0:00:01.00,0:00:01.80,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100 0 100{\\p0}
"""


def parse_vtt(text: str) -> list[tuple[str, str, str]]:
    """(start, end, text) per cue; checks the WebVTT shape on the way."""
    assert text.startswith(HEADER)
    cues = []
    for block in text[len(HEADER) :].strip("\n").split("\n\n"):
        if not block:
            continue
        timing, *lines = block.split("\n")
        match = CUE_LINE.match(timing)
        assert match, timing
        assert lines and all(line.strip() for line in lines)
        assert all("-->" not in line for line in lines)
        cues.append((match.group(1), match.group(2), "\n".join(lines)))
    return cues


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def mux_subtitle_file(path: Path, sub_file: Path, codec: str, *, crc: bool = True) -> Path:
    """An MKV with a short video and one subtitle stream made from sub_file (decoded by PyAV from
    a file this test wrote, re-encoded with `codec`)."""
    with av.open(str(sub_file)) as src:
        stream = src.streams.subtitles[0]
        stream.codec_context.open()
        header = stream.codec_context.subtitle_header
        cues = []
        for packet in src.demux(stream):
            if packet.dts is None:
                continue
            subs = stream.codec_context.decode2(packet)
            if subs is not None:
                ms = packet.time_base * 1000
                cues.append((subs, int(packet.pts * ms), int((packet.duration or 0) * ms)))
    options = {} if crc else {"write_crc32": "0"}
    with av.open(str(path), "w", format="matroska", container_options=options) as out:
        video = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        sub = out.add_stream(codec)
        sub.codec_context.subtitle_header = header
        sub.time_base = Fraction(1, 1000)
        sub.metadata["language"] = "fre"
        sub.metadata["title"] = "French SDH"
        out.start_encoding()
        for i in range(20):
            frame = av.VideoFrame(64, 64, "yuv420p")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for subset, pts, duration in cues:
            packet = sub.codec_context.encode_subtitle(subset)
            packet.pts = packet.dts = pts
            packet.duration = duration
            packet.time_base = Fraction(1, 1000)
            packet.stream = sub
            out.mux(packet)
    return path


# ------------------------------------------------------------------------------ side files


def test_srt_sorted_overlaps_kept_and_header(tmp_path: Path) -> None:
    srt = write(
        tmp_path / "a.srt",
        "2\n00:00:05,000 --> 00:00:07,500\nSecond\n\n"
        "1\n00:00:01,000 --> 00:00:06,000\n<i>First</i>, two\nlines\n\n"
        "3\n00:00:08,000 --> 00:00:09,000\n   \n\n",
    )
    out = convert_sidecar(srt, "srt", tmp_path / "out" / "sub_1.vtt", language="eng", sdh=True)
    assert out == SubtitleOutput(tmp_path / "out" / "sub_1.vtt", 2, "eng", False, False, True)
    cues = parse_vtt(out.path.read_text(encoding="utf-8"))
    assert cues == [
        ("00:00:01.000", "00:00:06.000", "<i>First</i>, two\nlines"),
        ("00:00:05.000", "00:00:07.500", "Second"),
    ]


def test_script_in_srt_comes_out_inert(tmp_path: Path) -> None:
    srt = write(
        tmp_path / "x.srt",
        "1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script> & <img src=x onerror=y>\n\n"
        '2\n00:00:03,000 --> 00:00:04,000\n<font color="red">red</font> --> <b>bold</b>\n',
    )
    out = convert_sidecar(srt, "srt", tmp_path / "x.vtt")
    text = out.path.read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and "<font" not in text
    cues = parse_vtt(text)
    assert cues[0][2] == ("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt;")
    assert cues[1][2] == "red --&gt; <b>bold</b>"


def test_ass_tags_stripped_comments_and_drawings_dropped(tmp_path: Path) -> None:
    ass = write(tmp_path / "a.ass", ASS_FILE)
    out = convert_sidecar(ass, "ass", tmp_path / "a.vtt")
    cues = parse_vtt(out.path.read_text(encoding="utf-8"))
    assert out.cue_count == 2
    assert cues == [
        ("00:00:00.500", "00:00:01.500", "Top <i>sign</i>"),
        ("00:00:01.200", "00:00:02.000", "<b>Bold</b> line\nsecond &lt;script&gt;x&lt;/script&gt;"),
    ]
    assert "{" not in out.path.read_text(encoding="utf-8")


def test_cp1252_srt_is_decoded(tmp_path: Path) -> None:
    srt = write(
        tmp_path / "w.srt", "1\n00:00:01,000 --> 00:00:02,000\nCafé – naïve “quotes”\n", "cp1252"
    )
    cues = parse_vtt(convert_sidecar(srt, "srt", tmp_path / "w.vtt").path.read_text("utf-8"))
    assert cues[0][2] == "Café – naïve “quotes”"


def test_crlf_srt(tmp_path: Path) -> None:
    body = "".join(
        f"{i}\r\n00:00:0{i},000 --> 00:00:0{i},500\r\nLine {i}\r\n\r\n" for i in range(1, 9)
    )
    out = convert_sidecar(write(tmp_path / "crlf.srt", body), "srt", tmp_path / "c.vtt")
    cues = parse_vtt(out.path.read_text("utf-8"))
    assert out.cue_count == 8 and cues[0] == ("00:00:01.000", "00:00:01.500", "Line 1")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1"])
def test_other_encodings(tmp_path: Path, encoding: str) -> None:
    srt = write(tmp_path / "e.srt", "1\n00:00:01,000 --> 00:00:02,000\nÀ bientôt\n", encoding)
    cues = parse_vtt(convert_sidecar(srt, "srt", tmp_path / "e.vtt").path.read_text("utf-8"))
    assert cues == [("00:00:01.000", "00:00:02.000", "À bientôt")]


def test_vtt_sami_and_microdvd(tmp_path: Path) -> None:
    vtt = write(
        tmp_path / "s.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 line:0\n<v Bob>Tom &amp; <c.yellow>Jerry</c>\n",
    )
    assert parse_vtt(convert_sidecar(vtt, "vtt", tmp_path / "v.vtt").path.read_text("utf-8")) == [
        ("00:00:01.000", "00:00:02.000", "Tom &amp; Jerry")
    ]
    smi = write(
        tmp_path / "s.smi",
        "<SAMI><BODY><SYNC Start=1000><P Class=ENCC>Hello <i>there</i></SYNC>"
        "<SYNC Start=3000><P Class=ENCC>&nbsp;</SYNC></BODY></SAMI>",
    )
    cues = parse_vtt(convert_sidecar(smi, "smi", tmp_path / "m.vtt").path.read_text("utf-8"))
    assert cues[0][0] == "00:00:01.000" and "Hello" in cues[0][2]
    sub = write(tmp_path / "s.sub", "{25}{50}Frame based|two lines\n")
    out = convert_sidecar(sub, "microdvd", tmp_path / "d.vtt", fps=25.0)
    assert parse_vtt(out.path.read_text("utf-8")) == [
        ("00:00:01.000", "00:00:02.000", "Frame based\ntwo lines")
    ]


def test_binary_junk_as_srt_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.srt"
    junk.write_bytes(os.urandom(4096) + b"\x00" * 16)
    with pytest.raises(SubtitleError, match="not a text subtitle file"):
        convert_sidecar(junk, "srt", tmp_path / "j.vtt")
    assert not (tmp_path / "j.vtt").exists()


def test_text_without_cues_is_a_clear_error(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.srt", "just some notes\nnothing timed here\n")
    with pytest.raises(SubtitleError, match="no subtitle cues found"):
        convert_sidecar(notes, "srt", tmp_path / "n.vtt")
    with pytest.raises(SubtitleError, match="empty"):
        convert_sidecar(write(tmp_path / "e.srt", "\n\n"), "srt", tmp_path / "n.vtt")


def test_size_limit_and_odd_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mediaserver.media.subtitles as subtitles

    big = write(tmp_path / "big.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello\n" * 50)
    monkeypatch.setattr(subtitles, "MAX_SIDECAR_BYTES", 1024)
    with pytest.raises(SubtitleError, match="limit"):
        convert_sidecar(big, "srt", tmp_path / "b.vtt")
    with pytest.raises(SubtitleError, match="not a regular file"):
        convert_sidecar(tmp_path, "srt", tmp_path / "b.vtt")
    with pytest.raises(SubtitleError, match="not found"):
        convert_sidecar(tmp_path / "missing.srt", "srt", tmp_path / "b.vtt")


def test_unknown_and_bitmap_sidecar_formats(tmp_path: Path) -> None:
    srt = write(tmp_path / "a.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    with pytest.raises(BitmapSubtitle) as info:
        convert_sidecar(tmp_path / "a.idx", "vobsub", tmp_path / "a.vtt")
    assert info.value.codec == "vobsub" and "burned in" in info.value.reason
    with pytest.raises(SubtitleError, match="not supported"):
        convert_sidecar(srt, "../../etc/passwd", tmp_path / "a.vtt")


# ------------------------------------------------------------------------- embedded streams


@pytest.mark.parametrize("container", ["mkv", "mp4", "webm"])
def test_embedded_text_streams(tmp_path: Path, container: str) -> None:
    """subrip (mkv), mov_text (mp4) and webvtt (webm) as make_video muxes them."""
    video = make_video(
        tmp_path / f"v.{container}",
        container=container,
        subtitle_tracks=[("eng", False), ("spa", True)],
    )
    out = convert_embedded(video, 2, tmp_path / "eng.vtt")
    assert (out.cue_count, out.language, out.forced) == (2, "eng", False)
    assert parse_vtt(out.path.read_text("utf-8")) == [
        ("00:00:00.100", "00:00:00.900", "Hello eng"),
        ("00:00:01.000", "00:00:01.800", "Second line (eng)"),
    ]
    spa = convert_embedded(video, 3, tmp_path / "spa.vtt")
    assert (spa.language, spa.forced, spa.cue_count) == ("spa", True, 2)


def test_embedded_ass_tags_stripped_and_sdh_from_title(tmp_path: Path) -> None:
    mkv = mux_subtitle_file(tmp_path / "ass.mkv", write(tmp_path / "in.ass", ASS_FILE), "ass")
    out = convert_embedded(mkv, 1, tmp_path / "ass.vtt")
    assert (out.language, out.sdh, out.cue_count) == ("fre", True, 2)
    assert parse_vtt(out.path.read_text("utf-8")) == [
        ("00:00:00.500", "00:00:01.500", "Top <i>sign</i>"),
        ("00:00:01.200", "00:00:02.000", "<b>Bold</b> line\nsecond &lt;script&gt;x&lt;/script&gt;"),
    ]


def test_embedded_subrip_with_markup(tmp_path: Path) -> None:
    srt = write(
        tmp_path / "in.srt",
        "1\n00:00:00,200 --> 00:00:01,000\n<script>alert('x')</script>\n\n"
        "2\n00:00:01,000 --> 00:00:01,500\n<i>it</i> & {\\b1}b{\\b0}\n",
    )
    mkv = mux_subtitle_file(tmp_path / "srt.mkv", srt, "subrip")
    text = convert_embedded(mkv, 1, tmp_path / "s.vtt").path.read_text("utf-8")
    assert "<script" not in text
    # FFmpeg's subrip decoder already drops tags it does not know; whatever is left is text.
    cues = parse_vtt(text)
    assert cues[0] == ("00:00:00.200", "00:00:01.000", "alert('x')")
    assert cues[1][2].startswith("<i>it</i> &amp; ")


def test_pgs_stream_is_bitmap(tmp_path: Path) -> None:
    """No PGS encoder in FFmpeg: write an ASS track and relabel it S_HDMV/PGS (same length)."""
    mkv = mux_subtitle_file(
        tmp_path / "a.mkv", write(tmp_path / "in.ass", ASS_FILE), "ass", crc=False
    )
    data = mkv.read_bytes()
    assert data.count(b"S_TEXT/ASS") == 1
    pgs = tmp_path / "pgs.mkv"
    pgs.write_bytes(data.replace(b"S_TEXT/ASS", b"S_HDMV/PGS"))
    with av.open(str(pgs)) as check:
        assert check.streams[1].codec_context.name == "pgssub"
        assert check.streams[1].codec_context.codec.canonical_name == "hdmv_pgs_subtitle"
    with pytest.raises(BitmapSubtitle) as info:
        convert_embedded(pgs, 1, tmp_path / "pgs.vtt")
    assert info.value.codec == "hdmv_pgs_subtitle"
    assert not (tmp_path / "pgs.vtt").exists()


def test_many_streams_in_one_pass(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mkv", subtitle_tracks=[("eng", False), ("ger", False)])
    results = convert_embedded_many(
        video, {2: tmp_path / "2.vtt", 3: tmp_path / "3.vtt", 0: tmp_path / "0.vtt", 9: tmp_path}
    )
    assert isinstance(results[2], SubtitleOutput) and results[2].language == "eng"
    assert isinstance(results[3], SubtitleOutput) and results[3].language == "ger"
    assert isinstance(results[0], SubtitleError) and "video, not a subtitle" in results[0].reason
    assert isinstance(results[9], SubtitleError) and "no stream number 9" in results[9].reason


def test_not_media_is_rejected(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.mkv", "hello\n")
    with pytest.raises(MediaRejected):
        convert_embedded(notes, 0, tmp_path / "x.vtt")
    audio = make_audio_only(tmp_path / "a.mp4")
    with pytest.raises(SubtitleError, match="not a subtitle"):
        convert_embedded(audio, 0, tmp_path / "x.vtt")


# ------------------------------------------------------------------------------ rendering


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{\\i1}Hello{\\i0} world", "<i>Hello</i> world"),
        ("{\\b700}heavy{\\b400} normal", "<b>heavy</b> normal"),
        ("{\\u1}under{\\r}reset", "<u>under</u>reset"),
        ("{\\i1}a\\N{\\i0}b", "<i>a</i>\nb"),
        ("one\\N\\N  \\Ntwo", "one\ntwo"),
        ("{\\fad(10,20)\\blur3\\bord2\\pos(1,2)}plain", "plain"),
        ("a & b < c --> d", "a &amp; b &lt; c --&gt; d"),
        ("<iframe src=javascript:x>", "&lt;iframe src=javascript:x&gt;"),
        ("&lt;b&gt; stays text", "&lt;b&gt; stays text"),
        ("x<br>y", "x\ny"),
        ("<00:00:01.000>karaoke", "karaoke"),
        ("nul\x00and\x07bell", "nulandbell"),
        ("{\\p1}m 0 0 l 1 1{\\p0}", ""),
    ],
)
def test_render_cue_text(source: str, expected: str) -> None:
    assert render_cue_text(source) == expected


def test_finish_cues_clamps_sorts_and_fills_open_ends() -> None:
    cues = finish_cues(
        [
            (3.0, None, "open ended"),
            (-1.0, 0.5, "starts before zero"),
            (4.0, None, "last open"),
            (2.0, 2.0, "zero length"),
            (1.0, 2.0, "dup"),
            (1.0, 2.0, "dup"),
            (5.0, 6.0, "{\\i1}{\\i0}"),
        ]
    )
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 0.5, "starts before zero"),
        (1.0, 2.0, "dup"),
        (3.0, 4.0, "open ended"),
        (4.0, 9.0, "last open"),
    ]
    assert vtt_timestamp(3725.0456) == "01:02:05.046"
    assert vtt_timestamp(-3) == "00:00:00.000"
